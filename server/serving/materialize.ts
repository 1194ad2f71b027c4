import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { dataDir } from "../../env";
import { artifactStore } from "../core/artifacts";
import { DomainError } from "../core/errors";
import { checkArtifactPath, type FileRef } from "../registry";

/** Where registry versions are laid out as folders for loading: <KEEL_DATA_DIR>/model-cache/<versionId>/. */
export const modelCacheDir = (): string => path.join(dataDir(), "model-cache");

const inFlight = new Map<string, Promise<string>>();

/**
 * A version's files as a folder laid out by artifact path, made once. Files are hard links to the
 * content-addressed blobs where the file system allows (a local store on the same device), else
 * copies, or downloads from an S3 store. The folder is
 * built under a temporary name and renamed into place, so a folder under its final name is always
 * complete: a crash leaves only a `.tmp-*` folder, which the next call ignores.
 */
export async function materializeVersion(versionId: string, files: readonly FileRef[]): Promise<string> {
  if (!/^[0-9a-f-]{36}$/i.test(versionId)) throw new Error(`not a version id: ${versionId}`);
  const root = modelCacheDir();
  const final = path.join(root, versionId);
  if (fs.existsSync(final)) return final;
  let p = inFlight.get(versionId);
  if (!p) {
    p = build(root, final, versionId, files).finally(() => inFlight.delete(versionId));
    inFlight.set(versionId, p);
  }
  return p;
}

async function build(root: string, final: string, versionId: string, files: readonly FileRef[]): Promise<string> {
  if (files.length === 0) throw new DomainError("PRECONDITION_FAILED", `version ${versionId} has no files to load`);
  const store = artifactStore();
  const tmp = path.join(root, `.tmp-${versionId}-${randomUUID()}`);
  await fsp.mkdir(tmp, { recursive: true });
  try {
    for (const f of files) {
      const bad = checkArtifactPath(f.path);
      if (bad) throw new DomainError("UNPROCESSABLE_CONTENT", `artifact path ${f.path} ${bad}`);
      const dest = path.join(tmp, ...f.path.split("/"));
      await fsp.mkdir(path.dirname(dest), { recursive: true });
      // a hard link into a local store, else a copy or (S3) a hash-checked download
      if (!(await store.copyTo(f.sha256, dest)))
        throw new DomainError("PRECONDITION_FAILED", `artifact ${f.path} (${f.sha256}) is missing from the store`);
    }
    try {
      await fsp.rename(tmp, final);
    } catch (err) {
      // another process finished first: its folder is as good as ours
      if (!fs.existsSync(final)) throw err;
      await fsp.rm(tmp, { recursive: true, force: true });
    }
    return final;
  } catch (err) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

import { Readable } from "node:stream";
import busboy from "busboy";
import { artifactStore, type StagedBlob } from "../core/artifacts";
import { DomainError, notFound, parseOrThrow } from "../core/errors";
import { parseJsonStrict } from "../core/json-guard";
import { createVersion, getModel, promptNotModel, resolveVersion, versionFiles, versionMetaInput } from "../registry";
import type { ProjectContext } from "./entry";
import { json } from "./json";

/** `12` is version 12; anything else is an alias. */
const ref = (s: string | undefined) => (s && /^\d{1,9}$/.test(s) ? Number(s) : (s ?? ""));

/** Collect a multipart upload: `file` parts staged to disk as they stream, `sha256` parts in order, one `meta` JSON part. */
function readMultipart(req: Request): Promise<{ staged: { path: string; blob: StagedBlob }[]; shas: string[]; meta: unknown }> {
  const store = artifactStore();
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": req.headers.get("content-type") ?? "" },
        preservePath: true,
        // browsers and fetch send a file name's UTF-8 bytes as they are; busboy's default reads them as latin1
        defParamCharset: "utf8",
        limits: { fieldSize: 1024 * 1024 },
      });
    } catch (err) {
      return reject(new DomainError("BAD_REQUEST", `not a multipart body: ${(err as Error).message}`));
    }
    const pending: Promise<{ path: string; blob: StagedBlob }>[] = [];
    const shas: string[] = [];
    let meta: unknown;
    let failure: Error | null = null;
    const fail = (err: Error) => {
      failure ??= err;
    };
    bb.on("file", (name, stream, info) => {
      if (name !== "file") {
        stream.resume();
        return fail(new DomainError("BAD_REQUEST", `unexpected file part ${JSON.stringify(name)}; send files as "file" parts`, name));
      }
      const path = info.filename ?? "";
      pending.push(store.stage(stream).then((blob) => ({ path, blob })));
    });
    bb.on("field", (name, value, info) => {
      if (info.valueTruncated) return fail(new DomainError("BAD_REQUEST", `part ${name} is over 1 MB`, name));
      if (name === "sha256") shas.push(value.trim().toLowerCase());
      else if (name === "meta") {
        try {
          meta = parseJsonStrict(value, { root: "meta", what: "meta part" });
        } catch (err) {
          fail(err instanceof DomainError ? new DomainError("BAD_REQUEST", err.message, "meta") : (err as Error));
        }
      } else fail(new DomainError("BAD_REQUEST", `unexpected part ${JSON.stringify(name)}; parts are file, sha256 and meta`, name));
    });
    const settle = async (err: Error | null) => {
      const results = await Promise.allSettled(pending);
      const staged = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      const firstErr = err ?? failure ?? (results.find((r) => r.status === "rejected") as PromiseRejectedResult | undefined)?.reason;
      if (firstErr) {
        await store.discard(staged.map((s) => s.blob));
        return reject(firstErr);
      }
      resolve({ staged, shas, meta });
    };
    bb.on("close", () => void settle(null));
    bb.on("error", (err) => void settle(new DomainError("BAD_REQUEST", `upload interrupted or malformed: ${(err as Error).message}`)));
    if (!req.body) return void settle(new DomainError("BAD_REQUEST", "the upload has no body"));
    const source = Readable.fromWeb(req.body as import("node:stream/web").ReadableStream);
    source.on("error", (err) => bb.destroy(err));
    source.pipe(bb);
  });
}

/**
 * A multipart upload's files, staged and checked: the i-th `sha256` part must equal the i-th file's
 * digest (`requireSha`: every file needs one). A mismatch is a 400 naming it; on any error nothing
 * stays staged. The caller commits the blobs and discards them in the end (a committed one is gone).
 */
export async function stagedUpload(
  req: Request,
  opts: { requireSha?: boolean } = {},
): Promise<{ staged: { path: string; blob: StagedBlob }[]; meta: unknown }> {
  const { staged, shas, meta } = await readMultipart(req);
  try {
    if (!staged.length) throw new DomainError("BAD_REQUEST", "the upload has no file parts", "file");
    if (shas.length > staged.length)
      throw new DomainError("BAD_REQUEST", `${shas.length} sha256 parts for ${staged.length} files`, "sha256");
    if (opts.requireSha && shas.length < staged.length)
      throw new DomainError("BAD_REQUEST", `${staged.length} files but ${shas.length} sha256 parts: send one per file`, "sha256");
    for (const [i, declared] of shas.entries()) {
      const got = staged[i] as { path: string; blob: StagedBlob };
      if (declared !== got.blob.sha256)
        throw new DomainError(
          "BAD_REQUEST",
          `file ${got.path}: declared sha256 ${declared} but the bytes received hash to ${got.blob.sha256}`,
          `sha256.${i}`,
        );
    }
    return { staged, meta };
  } catch (err) {
    await artifactStore().discard(staged.map((s) => s.blob));
    throw err;
  }
}

/**
 * `POST /registry/models/{model}/versions` as multipart: each `file` part's file name is its artifact
 * path; the i-th `sha256` part (optional) must equal the i-th file's digest. Files stream to disk;
 * the version is created, ready, only after every byte arrived and matched: a mismatch (400) or an
 * interrupted upload leaves no version and no staged file.
 */
export async function handleVersionUpload(req: Request, { db, actor, project, params }: ProjectContext): Promise<Response> {
  const model = params.model ?? "";
  // refused before a byte is staged: a prompt's versions are templates, not files
  if ((await getModel(db, project.id, model)).kind === "prompt") throw promptNotModel(model);
  const { staged, meta } = await stagedUpload(req);
  const store = artifactStore();
  try {
    const parsedMeta = parseOrThrow(versionMetaInput, meta ?? {}, "meta");
    for (const s of staged) await store.commit(s.blob);
    const files = staged.map((s) => ({ path: s.path, sha256: s.blob.sha256, size: s.blob.size }));
    const version = await createVersion(db, actor, project.id, model, {
      files,
      meta: parsedMeta,
      source: { kind: "upload" },
    });
    return json({ ...version, files }, 201);
  } finally {
    await store.discard(staged.map((s) => s.blob));
  }
}

const TYPES: Record<string, string> = { json: "application/json", txt: "text/plain; charset=utf-8", md: "text/markdown; charset=utf-8" };

/** `GET .../versions/{n|alias}/artifacts`: a version's files (path, sha256, size). */
export async function handleVersionFiles({ db, project, params }: ProjectContext): Promise<Response> {
  const version = await resolveVersion(db, project.id, params.model ?? "", ref(params.version));
  return json({ version: version.version, files: await versionFiles(db, version.id) });
}

/** `GET .../versions/{n|alias}/artifacts/{path}`: the file, streamed, with its sha256 as ETag. */
export async function handleVersionDownload(req: Request, { db, project, params }: ProjectContext): Promise<Response> {
  const model = params.model ?? "";
  const path = params.path ?? "";
  const version = await resolveVersion(db, project.id, model, ref(params.version));
  const file = (await versionFiles(db, version.id)).find((f) => f.path === path);
  if (!file) throw notFound(`file ${path} in version ${version.version} of model ${model}`);
  const etag = `"${file.sha256}"`;
  const headers = {
    etag,
    "x-content-sha256": file.sha256,
    "x-model-version": String(version.version),
    "cache-control": "private, max-age=31536000, immutable",
  };
  if (req.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  const stream = artifactStore().open(file.sha256);
  const name = path.split("/").pop() ?? "artifact";
  return new Response(Readable.toWeb(stream) as ReadableStream, {
    headers: {
      ...headers,
      "content-type": TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="${name.replace(/[^\w.-]+/g, "_")}"`,
    },
  });
}

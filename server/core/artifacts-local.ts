import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { type ArtifactStore, type ByteRange, blobKey, SHA256, type StagedBlob, StagingStore } from "./artifacts-base";

/**
 * Blobs under `<root>/blobs/ab/cd/<sha256>`, staged in `<root>/tmp/` and renamed into place (same
 * file system, so the rename is atomic).
 */
export class LocalArtifactStore extends StagingStore implements ArtifactStore {
  readonly kind = "local";
  readonly tmpDir: string;
  constructor(readonly root: string) {
    super();
    this.tmpDir = path.join(root, "tmp");
  }

  get location(): string {
    return this.root;
  }

  pathOf(sha256: string): string {
    return path.join(this.root, ...blobKey(sha256).split("/"));
  }

  async commit(blob: StagedBlob): Promise<void> {
    const dest = this.pathOf(blob.sha256);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    if (await this.has(blob.sha256)) return void (await fsp.rm(blob.tmpPath, { force: true }));
    await fsp.rename(blob.tmpPath, dest);
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  open(sha256: string, range?: ByteRange): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256), range ? { start: range.start, end: range.end } : undefined);
  }

  async copyTo(sha256: string, dest: string): Promise<boolean> {
    const src = this.pathOf(sha256);
    if (!(await this.has(sha256))) return false;
    try {
      await fsp.link(src, dest);
    } catch {
      await fsp.copyFile(src, dest);
    }
    return true;
  }

  async check(): Promise<void> {
    try {
      await fsp.mkdir(this.tmpDir, { recursive: true });
      await fsp.access(this.root, fs.constants.W_OK);
    } catch (err) {
      throw new Error(`the artifact store ${this.root} is not writable: ${(err as Error).message}`);
    }
  }

  /** Every blob's sha256, in no particular order (`keel artifacts migrate`). */
  async *list(): AsyncGenerator<string> {
    const blobs = path.join(this.root, "blobs");
    if (!fs.existsSync(blobs)) return;
    for (const a of await fsp.readdir(blobs))
      for (const b of await fsp.readdir(path.join(blobs, a)).catch(() => []))
        for (const name of await fsp.readdir(path.join(blobs, a, b)).catch(() => []))
          if (SHA256.test(name) && name.startsWith(a + b)) yield name;
  }
}

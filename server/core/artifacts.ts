import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { artifactsDir, env } from "../../env";
import { DomainError } from "./errors";

/** A file written to the store's staging area, hashed on the way; not visible until committed. */
export interface StagedBlob {
  sha256: string;
  size: number;
  tmpPath: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * Content-addressed file store under `<root>/blobs/ab/cd/<sha256>`. Writes stream through a hash
 * into `<root>/tmp/` and are renamed into place, so memory stays flat whatever the file size and a
 * reader never sees a partial file. Rows that reference blobs live in the database; a blob whose
 * rows failed to commit is an orphan file, never a wrong one (its name is its content).
 */
export class ArtifactStore {
  constructor(readonly root: string) {}

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
    return path.join(this.root, "blobs", sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** Stream bytes into staging; throws a 413 DomainError past `maxBytes` (the partial file is removed). */
  async stage(
    source: Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
    maxBytes = env.KEEL_MAX_ARTIFACT_BYTES,
  ): Promise<StagedBlob> {
    const tmpDir = path.join(this.root, "tmp");
    await fsp.mkdir(tmpDir, { recursive: true });
    const tmpPath = path.join(tmpDir, randomUUID());
    const hash = createHash("sha256");
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new DomainError("PAYLOAD_TOO_LARGE", `artifact is larger than ${maxBytes} bytes`));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const input =
      source instanceof ReadableStream ? Readable.fromWeb(source as import("node:stream/web").ReadableStream) : Readable.from(source);
    try {
      await pipeline(input, meter, fs.createWriteStream(tmpPath, { flags: "wx" }));
    } catch (err) {
      await fsp.rm(tmpPath, { force: true });
      throw err;
    }
    return { sha256: hash.digest("hex"), size, tmpPath };
  }

  /** Move a staged file into place (a blob that is already there wins; the copy is dropped). */
  async commit(blob: StagedBlob): Promise<void> {
    const dest = this.pathOf(blob.sha256);
    await fsp.mkdir(path.dirname(dest), { recursive: true });
    if (await this.has(blob.sha256)) return void (await fsp.rm(blob.tmpPath, { force: true }));
    await fsp.rename(blob.tmpPath, dest);
  }

  async discard(blobs: readonly StagedBlob[]): Promise<void> {
    await Promise.all(blobs.map((b) => fsp.rm(b.tmpPath, { force: true })));
  }

  /** Stage and commit a local file. */
  async putFile(file: string): Promise<Omit<StagedBlob, "tmpPath">> {
    const staged = await this.stage(fs.createReadStream(file), Number.MAX_SAFE_INTEGER);
    await this.commit(staged);
    return { sha256: staged.sha256, size: staged.size };
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /** A read stream of the blob; a missing file is a 500-class error (the database says it exists). */
  open(sha256: string): fs.ReadStream {
    return fs.createReadStream(this.pathOf(sha256));
  }
}

const g = globalThis as { __keelArtifacts?: ArtifactStore };

/** The process's store (KEEL_ARTIFACTS_DIR, else <data dir>/artifacts). */
export function artifactStore(): ArtifactStore {
  g.__keelArtifacts ??= new ArtifactStore(artifactsDir());
  return g.__keelArtifacts;
}

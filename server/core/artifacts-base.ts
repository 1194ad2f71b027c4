import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { env } from "../../env";
import { DomainError } from "./errors";

/** A file written to the store's staging area, hashed on the way; not visible until committed. */
export interface StagedBlob {
  sha256: string;
  size: number;
  tmpPath: string;
}

/** Byte range of a read, both ends inclusive (as HTTP's `Range: bytes=start-end`); no end: to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export type ArtifactSource = Readable | AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/**
 * Content-addressed blobs by sha256, on a local folder or an S3-compatible bucket. Writes stream
 * through a hash into a local staging file first (memory flat whatever the size), then `commit`
 * publishes the blob whole under its final name: a reader never sees a partial blob. Rows that
 * reference blobs live in the database and are written only after `commit` returns; a blob whose
 * rows failed to commit is an orphan, never a wrong one (its name is its content).
 */
export interface ArtifactStore {
  readonly kind: "local" | "s3";
  /** Where the blobs live, for messages: a folder, or `s3://bucket/prefix at <endpoint>`. */
  readonly location: string;
  /** The local folder that staged uploads go to before `commit`. */
  readonly tmpDir: string;
  /** Stream bytes into staging; throws a 413 DomainError past `maxBytes` (the partial file is removed). */
  stage(source: ArtifactSource, maxBytes?: number): Promise<StagedBlob>;
  /** Publish a staged blob under its sha256 (a blob already there wins) and drop the staging file. */
  commit(blob: StagedBlob): Promise<void>;
  discard(blobs: readonly StagedBlob[]): Promise<void>;
  /** Stage and commit a local file. */
  putFile(file: string): Promise<{ sha256: string; size: number }>;
  has(sha256: string): Promise<boolean>;
  /** The blob's bytes, streamed; a missing blob errors the stream (the database said it exists). */
  open(sha256: string, range?: ByteRange): Readable;
  /**
   * Give `dest` (a new local file) the blob's bytes: a hard link where the local store allows, else a
   * copy or a download (hash-checked). False when the store has no such blob.
   */
  copyTo(sha256: string, dest: string): Promise<boolean>;
  /** Throws, naming the store, when it cannot be reached or written; run once at start. */
  check(): Promise<void>;
}

export const SHA256 = /^[0-9a-f]{64}$/;

/** The blob's key below the store's root: `blobs/ab/cd/<sha256>`. */
export function blobKey(sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
  return `blobs/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** Staging shared by both stores: the upload is hashed and counted as it is written to `tmpDir`. */
export abstract class StagingStore {
  abstract readonly tmpDir: string;
  abstract commit(blob: StagedBlob): Promise<void>;

  async stage(source: ArtifactSource, maxBytes = env.KEEL_MAX_ARTIFACT_BYTES): Promise<StagedBlob> {
    await fsp.mkdir(this.tmpDir, { recursive: true });
    const tmpPath = path.join(this.tmpDir, randomUUID());
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

  async discard(blobs: readonly StagedBlob[]): Promise<void> {
    await Promise.all(blobs.map((b) => fsp.rm(b.tmpPath, { force: true })));
  }

  async putFile(file: string): Promise<{ sha256: string; size: number }> {
    const staged = await this.stage(fs.createReadStream(file), Number.MAX_SAFE_INTEGER);
    try {
      await this.commit(staged);
    } finally {
      await fsp.rm(staged.tmpPath, { force: true });
    }
    return { sha256: staged.sha256, size: staged.size };
  }
}

import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { PassThrough, type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import { env } from "../../env";
import { type ArtifactStore, type ByteRange, blobKey, type StagedBlob, StagingStore } from "./artifacts-base";
import { DomainError } from "./errors";

/** Everything the S3 client gets: nothing else is read (no AWS_* variables, no ~/.aws files). */
export interface S3StoreConfig {
  bucket: string;
  /** Key prefix without slashes at either end; "" for the bucket's root. */
  prefix: string;
  /** API origin (MinIO, Ceph, R2...); unset: AWS's regional endpoint. */
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Multipart part size in bytes (S3's minimum is 5 MiB); files up to one part go up in one PUT. */
  partSize?: number;
  /** Tries per request, the first included (the SDK's standard retry mode, with backoff). */
  maxAttempts?: number;
}

const URL_RE = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/;

/** `s3://bucket/prefix` into its parts; a 400 naming `field` when it is not one. */
export function parseS3Url(url: string, field = "to"): { bucket: string; prefix: string } {
  const m = URL_RE.exec(url);
  const prefix = (m?.[2] ?? "").replace(/^\/+|\/+$/g, "");
  if (!m?.[1] || prefix.split("/").some((s) => s === "." || s === "..") || /[\\\p{Cc}]/u.test(prefix))
    throw new DomainError("BAD_REQUEST", `${url} is not an S3 location; expected s3://bucket or s3://bucket/prefix`, field);
  return { bucket: m[1], prefix };
}

/** The store's settings from env.ts for `url` (KEEL_ARTIFACTS_URL, or `keel artifacts migrate --to`). */
export function s3ConfigFromEnv(url: string, field = "KEEL_ARTIFACTS_URL"): S3StoreConfig {
  const { bucket, prefix } = parseS3Url(url, field);
  for (const k of ["KEEL_S3_ACCESS_KEY_ID", "KEEL_S3_SECRET_ACCESS_KEY"] as const)
    if (!env[k]) throw new DomainError("BAD_REQUEST", `${k} must be set to use ${url}`, k);
  return {
    bucket,
    prefix,
    endpoint: env.KEEL_S3_ENDPOINT,
    region: env.KEEL_S3_REGION,
    accessKeyId: env.KEEL_S3_ACCESS_KEY_ID as string,
    secretAccessKey: env.KEEL_S3_SECRET_ACCESS_KEY as string,
    forcePathStyle: env.KEEL_S3_FORCE_PATH_STYLE,
  };
}

type Sdk = typeof import("@aws-sdk/client-s3");
type Upload = typeof import("@aws-sdk/lib-storage").Upload;

/** Why an SDK call failed, in one line: the HTTP status or the socket error, and the service's message. */
function reason(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const label = e.code ?? (e.name && e.name !== "Error" ? e.name : "");
  const parts = [status ? `HTTP ${status}` : "", label && !e.message?.includes(label) ? label : "", e.message ?? ""];
  return parts.filter(Boolean).join(": ") || String(err);
}

const isMissing = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
};

/**
 * Blobs as objects `<prefix>/blobs/ab/cd/<sha256>` in a bucket, through the official AWS SDK v3.
 * Uploads are staged (and hashed) on local disk first, then sent whole: one PUT up to `partSize`,
 * else a multipart upload, which S3 publishes only on completion, so no partial object is ever
 * visible under a blob's key. Relies on put/get (with ranges)/head and multipart uploads only: no
 * conditional puts (an existing key is skipped after a HEAD; both writers would write the same
 * bytes anyway) and no checksum trailers (checksums only where an operation requires them).
 * The SDK is loaded on first use, so commands that never touch the store do not pay for it.
 */
export class S3ArtifactStore extends StagingStore implements ArtifactStore {
  readonly kind = "s3";
  readonly location: string;
  private sdk?: Promise<{ s3: Sdk; client: S3Client; Upload: Upload }>;

  constructor(
    readonly config: S3StoreConfig,
    readonly tmpDir: string,
  ) {
    super();
    this.location = `s3://${config.bucket}${config.prefix ? `/${config.prefix}` : ""} at ${config.endpoint ?? `AWS S3 (${config.region})`}`;
  }

  keyOf(sha256: string): string {
    return this.config.prefix ? `${this.config.prefix}/${blobKey(sha256)}` : blobKey(sha256);
  }

  private client() {
    this.sdk ??= Promise.all([import("@aws-sdk/client-s3"), import("@aws-sdk/lib-storage")]).then(([s3, storage]) => {
      const c = this.config;
      const client = new s3.S3Client({
        region: c.region,
        credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
        ...(c.endpoint ? { endpoint: c.endpoint } : {}),
        forcePathStyle: c.forcePathStyle,
        // Every setting the SDK would otherwise look up in AWS_* variables or ~/.aws/config is given
        // here, so it reads nothing (a stray AWS_PROFILE or AWS_ENDPOINT_URL cannot redirect Keel).
        ignoreConfiguredEndpointUrls: true,
        maxAttempts: c.maxAttempts ?? 3,
        retryMode: "standard",
        defaultsMode: "standard",
        useFipsEndpoint: false,
        useDualstackEndpoint: false,
        useArnRegion: false,
        disableS3ExpressSessionAuth: true,
        authSchemePreference: [],
        sigv4aSigningRegionSet: async () => undefined,
        userAgentAppId: "keel",
        // checksums only where S3 requires them: s3rver, older MinIO and several gateways reject the
        // aws-chunked trailers that the SDK sends by default
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
        requestHandler: { connectionTimeout: 5_000 },
      });
      return { s3, client, Upload: storage.Upload };
    });
    return this.sdk;
  }

  private failure(what: string, err: unknown): DomainError {
    return new DomainError("SERVICE_UNAVAILABLE", `the artifact store ${this.location} failed to ${what}: ${reason(err)}`);
  }

  async has(sha256: string): Promise<boolean> {
    const { s3, client } = await this.client();
    try {
      await client.send(new s3.HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.failure(`look up blob ${sha256}`, err);
    }
  }

  /** Upload a local file as blob `sha256` (the caller hashed it); skipped when the object is there. */
  async putBlob(sha256: string, file: string): Promise<"uploaded" | "present"> {
    if (await this.has(sha256)) return "present";
    const { client, Upload } = await this.client();
    const upload = new Upload({
      client,
      params: {
        Bucket: this.config.bucket,
        Key: this.keyOf(sha256),
        Body: fs.createReadStream(file),
        ContentType: "application/octet-stream",
      },
      partSize: this.config.partSize ?? 16 * 1024 * 1024,
      queueSize: 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      throw this.failure(`store blob ${sha256}`, err);
    }
    return "uploaded";
  }

  async commit(blob: StagedBlob): Promise<void> {
    try {
      await this.putBlob(blob.sha256, blob.tmpPath);
    } finally {
      await fsp.rm(blob.tmpPath, { force: true });
    }
  }

  /** A stream that fills from GetObject once the response arrives (the ArtifactStore contract is synchronous). */
  open(sha256: string, range?: ByteRange): Readable {
    const out = new PassThrough();
    const key = this.keyOf(sha256);
    void (async () => {
      const { s3, client } = await this.client();
      const res = await client.send(
        new s3.GetObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end ?? ""}` } : {}),
        }),
      );
      await pipeline(res.Body as Readable, out);
    })().catch((err) => {
      if (!out.destroyed)
        out.destroy(
          isMissing(err) ? new Error(`blob ${sha256} is missing from ${this.location}`) : this.failure(`read blob ${sha256}`, err),
        );
    });
    return out;
  }

  /** Download into `dest`, checking the bytes against their name; a wrong object leaves no file. */
  async copyTo(sha256: string, dest: string): Promise<boolean> {
    const { s3, client } = await this.client();
    let body: Readable;
    try {
      const res = await client.send(new s3.GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(sha256) }));
      body = res.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.failure(`read blob ${sha256}`, err);
    }
    const hash = createHash("sha256");
    const hasher = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, hasher, fs.createWriteStream(dest, { flags: "wx" }));
      const got = hash.digest("hex");
      if (got !== sha256) throw new Error(`blob ${sha256} in ${this.location} is corrupt (its bytes hash to ${got})`);
    } catch (err) {
      await fsp.rm(dest, { force: true });
      throw err;
    }
    return true;
  }

  /** The sha256 of the object's bytes as read back now (`keel artifacts migrate` verifies every copy). */
  async hashOf(sha256: string): Promise<string> {
    const hash = createHash("sha256");
    for await (const chunk of this.open(sha256)) hash.update(chunk as Buffer);
    return hash.digest("hex");
  }

  async check(): Promise<void> {
    const { s3, client } = await this.client();
    try {
      await client.send(new s3.HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: AbortSignal.timeout(30_000) });
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      const hint =
        status === 404
          ? " (no such bucket)"
          : status === 403 || status === 401
            ? " (access denied: check KEEL_S3_ACCESS_KEY_ID and KEEL_S3_SECRET_ACCESS_KEY)"
            : "";
      const where = `s3://${this.config.bucket} at ${this.config.endpoint ?? `AWS S3 (${this.config.region})`}`;
      throw new Error(`the S3 artifact store ${where} ${status ? "cannot be used" : "is unreachable"}${hint}: ${reason(err)}`);
    }
  }
}

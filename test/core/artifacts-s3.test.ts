import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { CopyObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3ArtifactStore } from "../../server/core/artifacts";
import { faultyProxy, startS3, type TestS3 } from "../helpers/s3";

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const read = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
/** The objects s3rver holds for a key (its folder layout: <dir>/<bucket>/<key>._S3rver_object). */
const objectFiles = (s3: TestS3) =>
  (fs.readdirSync(path.join(s3.dir, s3.bucket), { recursive: true }) as string[]).filter((f) => f.endsWith("._S3rver_object"));

describe("S3 artifact store against s3rver", () => {
  let s3: TestS3;
  let store: S3ArtifactStore;
  beforeAll(async () => {
    s3 = await startS3();
    // S3's smallest part: a 12 MiB file goes up as a three-part multipart upload
    store = s3.store({ partSize: 5 * 1024 * 1024 });
  });
  afterAll(async () => s3?.stop());

  it("stages, commits under <prefix>/blobs/ab/cd/<sha>, reads back whole and by range", async () => {
    const bytes = randomBytes(70_000);
    const staged = await store.stage(Readable.from([bytes]));
    expect(staged).toMatchObject({ sha256: sha(bytes), size: bytes.length });
    expect(await store.has(staged.sha256)).toBe(false);
    await store.commit(staged);
    expect(fs.existsSync(staged.tmpPath)).toBe(false);
    expect(await store.has(staged.sha256)).toBe(true);
    expect(store.keyOf(staged.sha256)).toBe(`keel/blobs/${staged.sha256.slice(0, 2)}/${staged.sha256.slice(2, 4)}/${staged.sha256}`);
    expect(objectFiles(s3).some((f) => f.startsWith(store.keyOf(staged.sha256)))).toBe(true);
    expect((await read(store.open(staged.sha256))).equals(bytes)).toBe(true);
    expect((await read(store.open(staged.sha256, { start: 100, end: 199 }))).equals(bytes.subarray(100, 200))).toBe(true);
    expect((await read(store.open(staged.sha256, { start: 69_990 }))).equals(bytes.subarray(69_990))).toBe(true);
    // committing the same bytes again is a HEAD and no upload
    const again = await store.stage(Readable.from([bytes]));
    await store.commit(again);
    expect(objectFiles(s3).filter((f) => f.includes(staged.sha256))).toHaveLength(1);
  });

  it("uploads a file over the part size as a multipart upload and downloads it hash-checked", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-big-")), "big.bin");
    const bytes = randomBytes(12 * 1024 * 1024 + 123);
    fs.writeFileSync(file, bytes);
    const blob = await store.putFile(file);
    expect(blob).toEqual({ sha256: sha(bytes), size: bytes.length });
    const key = `/${s3.bucket}/${store.keyOf(blob.sha256)}`;
    const sent = s3.requests.filter((r) => r.startsWith(`PUT ${key}`) || r.startsWith(`POST ${key}`));
    expect(sent.filter((r) => /^PUT .*partNumber=\d/.test(r))).toHaveLength(3);
    expect(sent.filter((r) => r.startsWith("POST") && r.includes("uploadId="))).toHaveLength(1); // complete
    expect(sent.filter((r) => r === `PUT ${key}`)).toHaveLength(0); // never a single PUT of the object
    const head = await rawClient(s3).send(new HeadObjectCommand({ Bucket: s3.bucket, Key: store.keyOf(blob.sha256) }));
    expect(head.ContentLength).toBe(bytes.length);
    const dest = path.join(path.dirname(file), "copy.bin");
    expect(await store.copyTo(blob.sha256, dest)).toBe(true);
    expect(sha(fs.readFileSync(dest))).toBe(blob.sha256);
    expect(await store.hashOf(blob.sha256)).toBe(blob.sha256);
  });

  it("a multipart upload cut off mid-way fails whole: no object under the key, nothing staged left", async () => {
    const bytes = randomBytes(11 * 1024 * 1024);
    const proxy = await faultyProxy(s3.endpoint, (method, url) => (method === "PUT" && /partNumber=2\b/.test(url) ? "reset" : null));
    try {
      const flaky = s3.store({ endpoint: proxy.endpoint, partSize: 5 * 1024 * 1024 });
      const staged = await flaky.stage(Readable.from([bytes]));
      await expect(flaky.commit(staged)).rejects.toThrow(`failed to store blob ${sha(bytes)}`);
      expect(fs.existsSync(staged.tmpPath)).toBe(false);
      expect(await store.has(sha(bytes))).toBe(false);
      // part 2 never reached the server; part 1 did (and the SDK tried part 2 three times)
      const mine = s3.requests.filter((r) => r.includes(sha(bytes)));
      expect(mine.filter((r) => /partNumber=2\b/.test(r))).toEqual([]);
      expect(mine.filter((r) => /partNumber=1\b/.test(r))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("a missing blob: has is false, copyTo is false, open errors naming the blob and the store", async () => {
    const missing = "0".repeat(64);
    expect(await store.has(missing)).toBe(false);
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-miss-")), "x");
    expect(await store.copyTo(missing, dest)).toBe(false);
    expect(fs.existsSync(dest)).toBe(false);
    await expect(read(store.open(missing))).rejects.toThrow(`blob ${missing} is missing from s3://${s3.bucket}/keel at ${s3.endpoint}`);
  });

  it("a corrupt object is refused by copyTo (no file left)", async () => {
    const bytes = Buffer.from("the real bytes");
    const other = Buffer.from("other bytes!!!");
    const good = await store.putFile(writeTemp(other));
    // put `other`'s object under `bytes`'s key, as a damaged bucket would
    const key = store.keyOf(sha(bytes));
    await rawClient(s3).send(
      new CopyObjectCommand({ Bucket: s3.bucket, Key: key, CopySource: `${s3.bucket}/${store.keyOf(good.sha256)}` }),
    );
    const dest = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-bad-")), "x");
    await expect(store.copyTo(sha(bytes), dest)).rejects.toThrow(/is corrupt/);
    expect(fs.existsSync(dest)).toBe(false);
  });

  it("check passes on a reachable bucket, and names endpoint and bucket when it is not", async () => {
    await store.check();
    await expect(s3.store({ bucket: "no-such-bucket" }).check()).rejects.toThrow(
      `the S3 artifact store s3://no-such-bucket at ${s3.endpoint} cannot be used (no such bucket)`,
    );
    const dead = new S3ArtifactStore({ ...s3.config(), endpoint: "http://127.0.0.1:9", maxAttempts: 1 }, os.tmpdir());
    await expect(dead.check()).rejects.toThrow(
      "the S3 artifact store s3://keel-test at http://127.0.0.1:9 is unreachable: connect ECONNREFUSED 127.0.0.1:9",
    );
    await expect(dead.putFile(writeTemp(Buffer.from("x")))).rejects.toThrow(/failed to look up blob/);
  });

  it("reads nothing from AWS_* variables or ~/.aws files", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_PROFILE: "no-such-profile",
      AWS_CONFIG_FILE: "/nonexistent/config",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
      AWS_REGION: "eu-west-3",
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9",
      AWS_MAX_ATTEMPTS: "not a number",
      AWS_RETRY_MODE: "bogus",
      AWS_DEFAULTS_MODE: "bogus",
      AWS_REQUEST_CHECKSUM_CALCULATION: "bogus",
      AWS_USE_FIPS_ENDPOINT: "bogus",
    });
    try {
      const fresh = s3.store();
      const blob = await fresh.putFile(writeTemp(Buffer.from("env-proof")));
      expect(await fresh.has(blob.sha256)).toBe(true);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });
});

function writeTemp(bytes: Buffer): string {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "keel-s3-f-")), "f");
  fs.writeFileSync(f, bytes);
  return f;
}

/** A plain SDK client on the test server, to tamper with or inspect objects behind the store's back. */
function rawClient(s3: TestS3): S3Client {
  const c = s3.config();
  return new S3Client({
    region: c.region,
    endpoint: c.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "../../server/core/artifacts";
import { freshDatabase, type TestDatabase } from "../helpers/db";
import { startS3, type TestS3 } from "../helpers/s3";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let s3: TestS3;
let d: TestDatabase;
const dirs: string[] = [];
const tmp = (name: string) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  s3 = await startS3();
  d = await freshDatabase();
});
afterAll(async () => {
  await s3?.stop();
  await d?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * `keel ...args --json` with `env` on top of the test's (no S3 variables unless given). Asynchronous:
 * the S3 server runs in this process and must keep answering while the command runs.
 */
async function keel(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args, "--json"], {
    env: { ...process.env, LOG_LEVEL: "silent", DATABASE_URL: d.url, ...env },
    timeout: 120_000,
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  const [code] = (await once(child, "close")) as [number | null];
  const line = stdout.trim().split("\n").pop() ?? "";
  return { code, out: line ? JSON.parse(line) : null, stderr };
}

describe("keel artifacts migrate", () => {
  it("copies every local blob to S3, verifies each, is idempotent, and reports a damaged copy", async () => {
    const root = tmp("keel-migrate-src-");
    const local = new LocalArtifactStore(root);
    const contents = [randomBytes(1000), randomBytes(3 * 1024 * 1024), Buffer.from("a tokenizer.json")];
    for (const [i, bytes] of contents.entries()) {
      const f = path.join(root, `in-${i}`);
      fs.writeFileSync(f, bytes);
      await local.putFile(f);
    }
    // the target is --to: the process itself is still on its local store (no KEEL_ARTIFACTS_URL)
    const { KEEL_ARTIFACTS_URL: _, ...s3vars } = s3.env();
    const env = { ...s3vars, KEEL_ARTIFACTS_DIR: root, KEEL_DATA_DIR: tmp("keel-migrate-data-") };
    const to = `s3://${s3.bucket}/migrated`;

    const first = await keel(["artifacts", "migrate", "--to", to], env);
    expect(first.code).toBe(0);
    const total = contents.reduce((n, b) => n + b.length, 0);
    expect(first.out).toEqual({ from: root, to, blobs: 3, uploaded: 3, present: 0, verified: 3, bytes: total, failed: [] });
    const remote = s3.store({ prefix: "migrated" });
    for (const b of contents) expect(await remote.hashOf(sha(b))).toBe(sha(b));

    const again = await keel(["artifacts", "migrate", "--to", to], env);
    expect(again.out).toMatchObject({ blobs: 3, uploaded: 0, present: 3, verified: 3, failed: [] });

    // an object damaged in the bucket is found by the read-back (and a damaged local file is never copied)
    const c = s3.config();
    const client = new S3Client({
      region: c.region,
      endpoint: c.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
      requestChecksumCalculation: "WHEN_REQUIRED",
    });
    const damaged = contents[0] as Buffer;
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: remote.keyOf(sha(damaged)), Body: Buffer.from("not it") }));
    const rotten = Buffer.from("rotten on disk");
    const rottenSha = sha(Buffer.from("what it was"));
    fs.mkdirSync(path.dirname(local.pathOf(rottenSha)), { recursive: true });
    fs.writeFileSync(local.pathOf(rottenSha), rotten);
    const bad = await keel(["artifacts", "migrate", "--to", to], env);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatchObject({ blobs: 4, verified: 2 });
    expect(bad.out.failed).toEqual(
      [
        { sha256: sha(damaged), message: `read back from the bucket it hashes to ${sha(Buffer.from("not it"))}` },
        { sha256: rottenSha, message: `the local file hashes to ${sha(rotten)}; not copied` },
      ].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)),
    );
    expect(await remote.has(rottenSha)).toBe(false);
  });

  it("refuses a --to that is not s3://, missing keys, and an unreachable endpoint, naming them", async () => {
    const { KEEL_ARTIFACTS_URL: _, ...s3vars } = s3.env();
    const env: Record<string, string> = { ...s3vars, KEEL_ARTIFACTS_DIR: tmp("keel-migrate-empty-") };
    const notS3 = await keel(["artifacts", "migrate", "--to", "http://bucket/x"], env);
    expect(notS3.code).toBe(1);
    expect(notS3.out.error).toMatchObject({ code: "BAD_REQUEST", field: "to" });
    const missing = await keel(["artifacts", "migrate"], env);
    expect(missing.out.error).toMatchObject({ code: "BAD_REQUEST", field: "to" });
    const { KEEL_S3_SECRET_ACCESS_KEY: _k, ...noSecret } = env;
    const noKey = await keel(["artifacts", "migrate", "--to", `s3://${s3.bucket}/x`], noSecret);
    expect(noKey.out.error).toEqual({
      code: "BAD_REQUEST",
      field: "KEEL_S3_SECRET_ACCESS_KEY",
      message: `KEEL_S3_SECRET_ACCESS_KEY must be set to use s3://${s3.bucket}/x`,
    });
    const dead = await keel(["artifacts", "migrate", "--to", `s3://${s3.bucket}/x`], { ...env, KEEL_S3_ENDPOINT: "http://127.0.0.1:9" });
    expect(dead.code).toBe(1);
    expect(dead.out.error.message).toContain(`the S3 artifact store s3://${s3.bucket} at http://127.0.0.1:9 is unreachable`);
  });
});

describe("an S3 artifact store unreachable at start", () => {
  it("keel start and keel worker refuse to start, naming the endpoint and the bucket", async () => {
    const env = { ...s3.env(), KEEL_S3_ENDPOINT: "http://127.0.0.1:9", KEEL_DATA_DIR: tmp("keel-start-s3-"), KEEL_DEMO: "0" };
    for (const cmd of ["start", "worker"]) {
      const res = await keel([cmd, "--api-only"].slice(0, cmd === "start" ? 2 : 1), env);
      expect(res.code).toBe(1);
      expect(res.out.error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(res.out.error.message).toBe(
        `the S3 artifact store s3://${s3.bucket} at http://127.0.0.1:9 is unreachable: connect ECONNREFUSED 127.0.0.1:9; Keel does not start without its artifact store`,
      );
    }
    // keys are required with KEEL_ARTIFACTS_URL, and the URL must be one (env.ts refuses both at load)
    const { KEEL_S3_ACCESS_KEY_ID: _k, ...noKey } = s3.env();
    const unkeyed = await keel(["worker"], noKey);
    expect(unkeyed.code).toBe(1);
    expect(unkeyed.out.error.message).toContain("KEEL_S3_ACCESS_KEY_ID: required when KEEL_ARTIFACTS_URL is set");
    const badUrl = await keel(["worker"], { ...s3.env(), KEEL_ARTIFACTS_URL: "s3://Not_A_Bucket" });
    expect(badUrl.out.error.message).toContain("KEEL_ARTIFACTS_URL: must be s3://bucket or s3://bucket/prefix");
    // a bucket that does not exist is refused the same way
    const noBucket = await keel(["worker"], {
      ...s3.env(),
      KEEL_ARTIFACTS_URL: "s3://no-such-bucket/keel",
      KEEL_DATA_DIR: tmp("keel-start-s3-"),
    });
    expect(noBucket.code).toBe(1);
    expect(noBucket.out.error.message).toContain(`s3://no-such-bucket at ${s3.endpoint} cannot be used (no such bucket)`);
  });
});

import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { artifactsDir } from "../env";
import { LocalArtifactStore, S3ArtifactStore, s3ConfigFromEnv } from "../server/core/artifacts";
import { DomainError } from "../server/core/errors";

export interface MigrateReport {
  from: string;
  to: string;
  /** blobs found in the local store */
  blobs: number;
  /** sent by this run */
  uploaded: number;
  /** already in the bucket (an earlier run, or the same bytes uploaded through Keel) */
  present: number;
  /** read back from the bucket and hashed to their name */
  verified: number;
  bytes: number;
  failed: { sha256: string; message: string }[];
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * Copy every blob of the local store (KEEL_ARTIFACTS_DIR, else <data dir>/artifacts) to `to`
 * (`s3://bucket/prefix`, reached with the KEEL_S3_* settings), then read each object back and
 * check its sha256. Idempotent: a blob already in the bucket is not sent again, but still verified.
 * The database is untouched: rows name blobs by sha256 only, so they hold for either store.
 */
export async function migrateArtifacts(
  to: string,
  opts: { from?: string; concurrency?: number; onBlob?: (done: number, total: number) => void } = {},
): Promise<MigrateReport> {
  const local = new LocalArtifactStore(opts.from ?? artifactsDir());
  const remote = new S3ArtifactStore(s3ConfigFromEnv(to, "to"), path.join(os.tmpdir(), "keel-migrate"));
  await remote.check();
  const shas: string[] = [];
  for await (const sha of local.list()) shas.push(sha);
  const report: MigrateReport = {
    from: local.root,
    to,
    blobs: shas.length,
    uploaded: 0,
    present: 0,
    verified: 0,
    bytes: 0,
    failed: [],
  };
  let next = 0;
  let done = 0;
  const one = async (sha: string) => {
    const file = local.pathOf(sha);
    // a damaged local file is reported, never copied under a name its bytes do not match
    const got = await hashFile(file);
    if (got !== sha) return report.failed.push({ sha256: sha, message: `the local file hashes to ${got}; not copied` });
    const outcome = await remote.putBlob(sha, file);
    report[outcome === "uploaded" ? "uploaded" : "present"]++;
    const back = await remote.hashOf(sha);
    if (back !== sha) return report.failed.push({ sha256: sha, message: `read back from the bucket it hashes to ${back}` });
    report.verified++;
    report.bytes += fs.statSync(file).size;
  };
  const worker = async () => {
    while (next < shas.length) {
      const sha = shas[next++] as string;
      await one(sha).catch((err: Error) => report.failed.push({ sha256: sha, message: err.message }));
      opts.onBlob?.(++done, shas.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, shas.length) }, worker));
  report.failed.sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1));
  return report;
}

/** `keel artifacts migrate --to s3://bucket/prefix`: exit 1 when any blob failed (listed), 0 otherwise. */
export async function artifactsCommand(
  sub: string | undefined,
  opts: { to?: string; json?: boolean },
  say: (human: string, data: unknown) => void,
): Promise<void> {
  if (sub !== "migrate") throw new DomainError("BAD_REQUEST", `unknown artifacts command: ${sub ?? "(none)"}; try migrate`);
  if (!opts.to) throw new DomainError("BAD_REQUEST", "missing --to s3://bucket/prefix", "to");
  const r = await migrateArtifacts(opts.to, {
    onBlob: opts.json ? undefined : (n, total) => n % 100 === 0 && process.stderr.write(`  ${n}/${total} blobs\n`),
  });
  say(
    [
      `${r.blobs} blobs in ${r.from} -> ${r.to}: ${r.uploaded} uploaded, ${r.present} already there, ${r.verified} verified (${r.bytes} bytes)`,
      ...r.failed.map((f) => `  failed ${f.sha256}: ${f.message}`),
    ].join("\n"),
    r,
  );
  if (r.failed.length) process.exitCode = 1;
}

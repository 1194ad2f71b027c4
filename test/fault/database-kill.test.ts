import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database, schema } from "../../db/client";
import { type EmbeddedHandle, ensureEmbedded } from "../../db/embedded";
import { enqueue } from "../../server/core/queue";
import { purgeSessionsJob } from "../../server/workspace";
import { makeKey, makeProject } from "../factories/workspace";
import { waitFor } from "../helpers/wait";
import { type Keel, killQuietly, sleep, spawnKeel } from "./processes";

/**
 * The embedded PostgreSQL killed (`kill -9` of the postmaster) under a running `keel start`: requests
 * answer 503 with Retry-After meanwhile (never 500), the supervisor restarts the server on the same
 * port, and the web pools and the worker recover by themselves. Then, with every postgres process
 * frozen (SIGSTOP: connections and queries hang), SIGTERM still ends the process within
 * KEEL_SHUTDOWN_TIMEOUT_S, with status 1 because it had to force.
 */
const SHUTDOWN_S = 4;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-fault-embedded-"));
const pgDir = path.join(dataDir, "pg");
let keel: Keel | undefined;
let attached: EmbeddedHandle;
let database: Database;
let key: string;
let projectId: string;
let url: string;
const frozen: number[] = [];

const postmaster = () => Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** The postmaster and its children (backends, checkpointer, ...). */
const postgresProcesses = (pid: number): number[] => {
  let children: number[] = [];
  try {
    children = execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map((s) => Number(s.trim()))
      .filter(Boolean);
  } catch {
    // ps exits 1 when there are none
  }
  return [pid, ...children];
};

beforeAll(async () => {
  keel = await spawnKeel(
    ["start", "--api-only"],
    { KEEL_DATA_DIR: dataDir, DATABASE_URL: undefined, KEEL_SHUTDOWN_TIMEOUT_S: String(SHUTDOWN_S) },
    "url",
  );
  url = keel.ready.url as string;
  // this process attaches to the server `keel start` owns, as a second Keel process would
  attached = await ensureEmbedded({ dataDir });
  database = createDatabase(attached.url, { max: 2 });
  const p = await makeProject(database.db);
  projectId = p.project.id;
  key = (await makeKey(database.db, projectId, p.owner.user.id, "owner")).key;
});
afterAll(async () => {
  for (const pid of frozen) if (alive(pid)) process.kill(pid, "SIGCONT");
  killQuietly(keel?.child);
  await database?.close();
  await attached?.stop();
  // keel was forced out without stopping the server: stop it here ("immediate" shutdown)
  const pid = fs.existsSync(path.join(pgDir, "postmaster.pid")) ? postmaster() : 0;
  if (pid && alive(pid)) process.kill(pid, "SIGQUIT");
  await waitFor("postgres to stop", async () => !pid || !alive(pid), 20_000).catch(() => {});
  fs.rmSync(dataDir, { recursive: true, force: true });
});

let n = 0;
const ingest = () =>
  fetch(`${url}/api/v1/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ batch: [{ type: "trace", id: `db-fault-${n++}`, body: { name: "x" } }] }),
  });
const trpc = () =>
  fetch(`${url}/api/trpc/workspace.projects.get?input=${encodeURIComponent(JSON.stringify({ json: { projectId } }))}`, {
    headers: { authorization: `Bearer ${key}` },
  });

describe("embedded PostgreSQL killed under a running keel", () => {
  it("answers 503 with Retry-After while it is down, and recovers without a restart (web and worker)", async () => {
    expect((await ingest()).status).toBe(207);
    expect(attached.owner).toBe(false);
    expect((await trpc()).status).toBe(200);

    const pid = postmaster();
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    const seen = new Map<string, number>();
    let retryAfter: string | null = null;
    let recoveredAt = 0;
    // poll health, an ingest and a tRPC read until health is back (after having been down)
    while (Date.now() - killedAt < 60_000) {
      const [h, i, t] = await Promise.all([fetch(`${url}/api/health`), ingest(), trpc()]);
      for (const [what, r] of [
        ["health", h],
        ["ingest", i],
        ["trpc", t],
      ] as const) {
        seen.set(`${what} ${r.status}`, (seen.get(`${what} ${r.status}`) ?? 0) + 1);
        if (r.status === 503) {
          retryAfter = r.headers.get("retry-after");
          // the HTTP API's `{error: {code}}` and tRPC's error shape both name it
          if (what !== "health") expect(await r.text()).toContain('"SERVICE_UNAVAILABLE"');
        } else await r.arrayBuffer();
      }
      if (h.status === 200 && seen.has("health 503")) {
        recoveredAt = Date.now();
        break;
      }
      await sleep(25);
    }
    console.log(
      `[fault] postgres kill -9: back after ${recoveredAt - killedAt} ms; answers seen: ${JSON.stringify(Object.fromEntries(seen))}`,
    );
    expect(seen.get("health 503")).toBeGreaterThan(0);
    expect(retryAfter).toBe("2");
    expect(recoveredAt).toBeGreaterThan(0);
    expect([...seen.keys()].filter((k) => / 5\d\d$/.test(k) && !k.endsWith(" 503"))).toEqual([]);
    expect(postmaster()).not.toBe(pid);

    // the web process's pools reconnected: ingest and tRPC answer again
    const after = await waitFor("ingest to work again", async () => ((await ingest()).status === 207 ? true : null), 20_000);
    expect(after).toBe(true);
    expect((await trpc()).status).toBe(200);
    // the in-process worker recovered too: a job enqueued now runs
    const job = await enqueue(database.db, purgeSessionsJob, {});
    const done = await waitFor(
      "the worker to run a job after the restart",
      async () => {
        const [row] = await database.db.select().from(schema.jobs).where(eq(schema.jobs.id, job.id));
        return row?.status === "succeeded" ? row : null;
      },
      60_000,
    );
    expect(done.status).toBe("succeeded");
  });

  it("stops within KEEL_SHUTDOWN_TIMEOUT_S on SIGTERM even with the database hanging, exiting 1", async () => {
    const child = keel?.child;
    if (!child || !keel) throw new Error("keel is not running");
    // freeze every postgres process: connects and queries hang rather than fail
    frozen.push(...postgresProcesses(postmaster()));
    for (const pid of frozen) process.kill(pid, "SIGSTOP");
    const hanging = fetch(`${url}/api/health`).catch(() => null); // in flight when the signal comes
    await sleep(300);
    const t0 = Date.now();
    child.kill("SIGTERM");
    const code = await keel.exited;
    const seconds = (Date.now() - t0) / 1000;
    await hanging;
    console.log(`[fault] SIGTERM with the database frozen: exited ${code} after ${seconds.toFixed(1)} s (limit ${SHUTDOWN_S} s)`);
    expect(code).toBe(1);
    expect(seconds).toBeLessThan(SHUTDOWN_S + 2);
    expect(keel.output()).toContain("shutdown did not finish in time");
    for (const pid of frozen) if (alive(pid)) process.kill(pid, "SIGCONT");
  });
});

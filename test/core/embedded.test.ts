import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { ensureEmbedded } from "../../db/embedded";
import { waitFor } from "../helpers/wait";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-embedded-"));
const pgDir = path.join(dir, "pg");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const query = async (url: string, text: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe(text);
  } finally {
    await sql.end();
  }
};
const postmasterPid = () => Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("embedded PostgreSQL", () => {
  it("is shared by processes on one data dir, adopted after its owner crashes, and recovers from its own crash", async () => {
    // 1. another process starts it and owns it
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../helpers/embedded-child.ts"), dir], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    const started = await waitFor("the child to start postgres", async () => (out.includes("\n") ? JSON.parse(out) : null), 60_000);
    expect(started.owner).toBe(true);
    expect(started.url).not.toContain(":5432/");

    // 2. this process attaches to it rather than starting a second server
    const attached = await ensureEmbedded({ dataDir: dir });
    expect(attached.owner).toBe(false);
    expect(attached.url).toBe(started.url);
    await query(attached.url, "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')");

    // 3. the owner dies without stopping it: the next process adopts the server
    child.kill("SIGKILL");
    await waitFor("the child to exit", async () => child.exitCode !== null || child.signalCode !== null);
    const adopted = await ensureEmbedded({ dataDir: dir });
    expect(adopted.owner).toBe(true);
    expect(await query(adopted.url, "SELECT v FROM survivor")).toEqual([{ v: "kept" }]);

    // 4. postgres itself is killed: a stale postmaster.pid is left, and the next start recovers
    const pid = postmasterPid();
    process.kill(pid, "SIGKILL");
    await waitFor("postgres to die", async () => !alive(pid));
    expect(fs.existsSync(path.join(pgDir, "postmaster.pid"))).toBe(true);
    const restarted = await ensureEmbedded({ dataDir: dir });
    expect(restarted.owner).toBe(true);
    expect(await query(restarted.url, "SELECT v FROM survivor")).toEqual([{ v: "kept" }]);

    // 5. a clean stop stops the server
    const last = postmasterPid();
    await restarted.stop();
    expect(alive(last)).toBe(false);
  });
});

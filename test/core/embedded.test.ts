import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { type EmbeddedHandle, ensureEmbedded, isSuperuser } from "../../db/embedded";
import { waitFor } from "../helpers/wait";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-embedded-"));
const pgDir = path.join(dir, "pg");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

const query = async (url: string, text: string) => {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql.unsafe(text);
  } finally {
    await sql.end();
  }
};
const postmasterPid = () => Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
const ownerPid = () => Number(fs.readFileSync(path.join(dir, "pg-owner.pid"), "utf8"));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A child process holding a handle on the data dir; resolves with what it printed. */
async function child(): Promise<{ proc: ChildProcess; url: string; owner: boolean }> {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "../helpers/embedded-child.ts"), dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(proc);
  let out = "";
  proc.stdout?.on("data", (c) => {
    out += c;
  });
  const started = await waitFor("the child to start or attach", async () => (out.includes("\n") ? JSON.parse(out) : null), 60_000);
  return { proc, ...started };
}
const exited = (proc: ChildProcess) => waitFor("the child to exit", async () => proc.exitCode !== null || proc.signalCode !== null);

describe("embedded PostgreSQL", () => {
  it("is shared by processes on one data dir, adopted after its owner crashes, restarted by its supervisor, and handed over", async () => {
    const handles: EmbeddedHandle[] = [];
    // 1. another process starts it and owns it
    const first = await child();
    expect(first.owner).toBe(true);
    expect(first.url).not.toContain(":5432/");

    // 2. this process attaches to it rather than starting a second server; the app's role is no superuser
    const attached = await ensureEmbedded({ dataDir: dir });
    handles.push(attached);
    expect(attached.owner).toBe(false);
    expect(attached.url).toBe(first.url);
    expect(await isSuperuser(attached.url)).toBe(false);
    expect(await isSuperuser(attached.adminUrl)).toBe(true);
    await query(attached.url, "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')");
    // a data dir from before the app role: the superuser's objects are handed to the role on the next attach
    await query(attached.adminUrl.replace(/\/postgres$/, "/keel"), "CREATE TABLE legacy (v text)");

    // 3. the owner dies without stopping it: the next process adopts the server
    first.proc.kill("SIGKILL");
    await exited(first.proc);
    const adopted = await ensureEmbedded({ dataDir: dir });
    handles.push(adopted);
    expect(adopted.owner).toBe(true);
    expect(await query(adopted.url, "SELECT v FROM survivor")).toEqual([{ v: "kept" }]);
    expect(await query(adopted.url, "SELECT tableowner FROM pg_tables WHERE tablename = 'legacy'")).toEqual([{ tableowner: "keel_app" }]);

    // 4. postgres itself is killed: the supervisor restarts it on the same port, so the same URL works again
    const pid = postmasterPid();
    process.kill(pid, "SIGKILL");
    await waitFor("postgres to die", async () => !alive(pid));
    const rows = await waitFor(
      "the supervisor to restart postgres",
      async () => query(adopted.url, "SELECT v FROM survivor").catch(() => null),
      60_000,
    );
    expect(rows).toEqual([{ v: "kept" }]);
    expect(postmasterPid()).not.toBe(pid);
    const again = await ensureEmbedded({ dataDir: dir });
    handles.push(again);
    expect(again.url).toBe(adopted.url);

    // 5. stopping the owner while another process is attached hands the server over instead of stopping it
    const second = await child();
    expect(second.owner).toBe(false);
    const running = postmasterPid();
    for (const h of handles) await h.stop();
    expect(alive(running)).toBe(true);
    expect(ownerPid()).toBe(second.proc.pid);
    // ... and the heir supervises it: killed again, it comes back on the same URL
    process.kill(running, "SIGKILL");
    await waitFor("postgres to die", async () => !alive(running));
    expect(
      await waitFor("the heir to restart postgres", async () => query(second.url, "SELECT v FROM survivor").catch(() => null), 60_000),
    ).toEqual([{ v: "kept" }]);

    // 6. the last one out stops the server and removes its lock file
    const last = postmasterPid();
    second.proc.kill("SIGTERM");
    await exited(second.proc);
    expect(second.proc.exitCode).toBe(0);
    expect(alive(last)).toBe(false);
    expect(fs.existsSync(path.join(pgDir, "postmaster.pid"))).toBe(false);
  });
});

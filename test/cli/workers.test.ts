import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerFromToken } from "../../server/tuning";
import { makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

/** `keel workers pool|token ...` on a database, as an operator runs them (the CLI binary, --json). */
const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-workers-"));
let d: TestDatabase;

beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(async () => {
  await d.drop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

function keel(...args: string[]): Promise<{ code: number | null; out: any }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args, "--json"], {
      env: { ...process.env, DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: DATA_DIR },
    });
    let stdout = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      resolve({ code, out: line ? JSON.parse(line) : null });
    });
  });
}

describe("keel workers", () => {
  it("creates pools and tokens, lists and revokes them", async () => {
    const { project } = await makeProject(d.db);
    const pool = await keel("workers", "pool", "create", "lab", "--projects", project.slug);
    expect(pool.code).toBe(0);
    expect(pool.out).toMatchObject({ name: "lab", projects: [project.slug] });
    const missing = await keel("workers", "pool", "create", "other", "--projects", "no-such-project");
    expect(missing.code).toBe(1);
    expect(missing.out.error).toMatchObject({ code: "BAD_REQUEST", field: "projects" });

    const made = await keel("workers", "token", "create", "--pool", "lab", "--name", "gpu box");
    expect(made.code).toBe(0);
    expect(made.out).toMatchObject({ name: "gpu box", pool: "lab" });
    expect(made.out.token).toMatch(/^wk_[A-Za-z0-9_-]{40,}$/);
    expect(await workerFromToken(d.db, made.out.token)).toMatchObject({ projectIds: [project.id] });
    const all = await keel("workers", "token", "create");
    expect(all.out.pool).toBeNull();
    expect((await workerFromToken(d.db, all.out.token))?.projectIds).toBeNull();
    expect((await keel("workers", "token", "create", "--pool", "nope")).out.error).toMatchObject({ field: "pool" });

    const list = await keel("workers", "token", "list");
    expect(list.out.map((t: { id: string }) => t.id).sort()).toEqual([made.out.id, all.out.id].sort());
    expect(JSON.stringify(list.out)).not.toContain(made.out.token); // only the prefix, never the token
    const revoked = await keel("workers", "token", "revoke", made.out.id);
    expect(revoked.out.revokedAt).toBeTruthy();
    expect(await workerFromToken(d.db, made.out.token)).toBeNull();
    expect((await keel("workers", "token", "revoke", made.out.id)).code).toBe(0); // twice: a no-op
  });
});

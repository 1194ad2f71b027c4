import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { clearInstanceSettingsCache, getInstanceSetting, principalFromApiKey } from "../../server/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const dirs: string[] = [];
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function instance() {
  const d = await freshDatabase();
  dbs.push(d);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-demo-"));
  dirs.push(dataDir);
  const keel = (...args: string[]) => {
    const res = spawnSync(process.execPath, [BIN, ...args, "--json"], {
      env: { ...process.env, DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 120_000,
    });
    const line = res.stdout.trim().split("\n").pop() ?? "";
    return { code: res.status, out: line ? JSON.parse(line) : null, stderr: res.stderr };
  };
  return { d, dataDir, keel, file: path.join(dataDir, "demo-credentials.json") };
}

describe("demo credentials are shown once", () => {
  let i: Awaited<ReturnType<typeof instance>>;
  beforeAll(async () => {
    i = await instance();
  });

  it("shows the owner password and key on the seeding run, and leaves no password on disk", async () => {
    const first = i.keel("seed");
    expect(first.code).toBe(0);
    expect(first.out).toMatchObject({ created: true, email: "demo@keel.local" });
    expect(first.out.password).toEqual(expect.any(String));
    expect(first.out.key).toMatch(/^sk_/);
    expect(await principalFromApiKey(i.d.db, first.out.key)).toMatchObject({ kind: "secretKey", role: "owner" });
    expect(fs.existsSync(i.file)).toBe(false);
    clearInstanceSettingsCache();
    expect(await getInstanceSetting(i.d.db, "demo.credentialsShown")).toBe(true);
    // the demo owner is the fresh instance's first user, so its instance admin
    const [u] = await i.d.db.select({ isAdmin: schema.users.isAdmin }).from(schema.users).where(eq(schema.users.email, "demo@keel.local"));
    expect(u?.isAdmin).toBe(true);
  });

  it("never shows them again", () => {
    const again = i.keel("seed");
    expect(again.code).toBe(0);
    expect(again.out).toMatchObject({ created: false, email: "demo@keel.local", password: null, key: null });
    expect(JSON.stringify(again.out)).not.toMatch(/sk_/);
  });
});

describe("a data dir from before 'shown once'", () => {
  it("shows the saved credentials one last time, then deletes the file", async () => {
    const i = await instance();
    expect(i.keel("seed").code).toBe(0);
    // what older versions left: the login in the data dir, shown on every start; no "shown" record
    fs.writeFileSync(i.file, JSON.stringify({ email: "demo@keel.local", password: "old-saved-password", key: "sk_old" }), { mode: 0o600 });
    await i.d.db.delete(schema.instanceSettings).where(eq(schema.instanceSettings.key, "demo.credentialsShown"));
    const last = i.keel("seed");
    expect(last.out).toMatchObject({ created: false, password: "old-saved-password", key: "sk_old" });
    expect(fs.existsSync(i.file)).toBe(false);
    const after = i.keel("seed");
    expect(after.out).toMatchObject({ password: null, key: null });
  });

  it("deletes a leftover file without showing it when they were shown already", async () => {
    const i = await instance();
    expect(i.keel("seed").code).toBe(0);
    fs.writeFileSync(i.file, JSON.stringify({ email: "demo@keel.local", password: "stale-password", key: null }), { mode: 0o600 });
    const res = i.keel("seed");
    expect(res.out).toMatchObject({ password: null, key: null });
    expect(fs.existsSync(i.file)).toBe(false);
  });
});

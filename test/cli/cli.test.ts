import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findUserByEmail, principalFromApiKey, principalFromSession, signIn } from "../../server/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
/** The demo credentials file goes to the data dir: keep it out of the checkout. */
const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-"));
let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(async () => {
  await d.drop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

/** Run `keel ...args --json` against this file's database; returns exit code and parsed stdout. */
function keel(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args, "--json"], {
    env: { ...process.env, DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: DATA_DIR },
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  return { code: res.status, out: line ? JSON.parse(line) : null, stderr: res.stderr };
}

describe("keel CLI", () => {
  it("creates a user, a project and a working secret key, all as JSON", () => {
    const user = keel("users", "create", "--email", "Cli@Example.com", "--password", "cli-password-1");
    expect(user.code).toBe(0);
    expect(user.out).toMatchObject({ email: "cli@example.com" });

    const project = keel("projects", "create", "CLI Project", "--owner", "cli@example.com");
    expect(project.code).toBe(0);
    expect(project.out).toMatchObject({ slug: "cli-project", name: "CLI Project" });

    const key = keel("keys", "create", "--project", "cli-project");
    expect(key.code).toBe(0);
    expect(key.out.key).toMatch(/^sk_/);
    expect(key.out.role).toBe("owner");
    return principalFromApiKey(d.db, key.out.key).then((p) => expect(p).toMatchObject({ kind: "secretKey", role: "owner" }));
  });

  it("creates a public key bound to origins", () => {
    keel("users", "create", "--email", "pub@example.com", "--password", "cli-password-1");
    keel("projects", "create", "Widget Site", "--owner", "pub@example.com");
    const key = keel(
      "keys",
      "create",
      "--project",
      "widget-site",
      "--public",
      "--origin",
      "https://a.example",
      "--origin",
      "https://b.example/x",
    );
    expect(key.code).toBe(0);
    expect(key.out).toMatchObject({ kind: "public", origins: ["https://a.example", "https://b.example"] });
    const none = keel("keys", "create", "--project", "widget-site", "--public");
    expect(none.code).toBe(1);
    expect(none.out.error).toEqual({ code: "BAD_REQUEST", message: "A public key needs at least one allowed origin", field: "origins" });
  });

  it("reports bad input as a JSON error with a non-zero exit", () => {
    keel("users", "create", "--email", "dup@example.com", "--password", "cli-password-1");
    const dup = keel("users", "create", "--email", "dup@example.com", "--password", "cli-password-1");
    expect(dup.code).toBe(1);
    expect(dup.out.error).toMatchObject({ code: "CONFLICT", field: "email" });

    const missing = keel("users", "create", "--password", "cli-password-1");
    expect(missing.code).toBe(2);
    expect(missing.out.error).toEqual({ code: "USAGE", message: "missing --email" });

    const unknownProject = keel("keys", "create", "--project", "nope");
    expect(unknownProject.code).toBe(1);
    expect(unknownProject.out.error.message).toBe("No project with slug nope");

    const unknown = keel("frobnicate");
    expect(unknown.code).toBe(2);
  });

  it("manages instance admins and passwords: users create --admin, set-admin [--off], reset-password", async () => {
    // a generated password is printed once and works
    const plain = keel("users", "create", "--email", "plain@example.com");
    expect(plain.code).toBe(0);
    expect(plain.out).toMatchObject({ email: "plain@example.com", isAdmin: false, password: expect.stringMatching(/^[A-Za-z0-9_-]{18}$/) });
    expect((await signIn(d.db, { email: "plain@example.com", password: plain.out.password, ip: "192.0.2.1" })).user.email).toBe(
      "plain@example.com",
    );
    const admin = keel("users", "create", "--email", "boss@example.com", "--password", "cli-password-1", "--admin");
    expect(admin.out).toMatchObject({ isAdmin: true, password: null });

    expect(keel("users", "set-admin", "plain@example.com").out).toMatchObject({ email: "plain@example.com", isAdmin: true });
    expect((await findUserByEmail(d.db, "plain@example.com"))?.isAdmin).toBe(true);
    expect(keel("users", "set-admin", "plain@example.com", "--off").out).toMatchObject({ isAdmin: false });
    expect((await findUserByEmail(d.db, "plain@example.com"))?.isAdmin).toBe(false);
    const nobody = keel("users", "set-admin", "nobody@example.com");
    expect(nobody.code).toBe(1);
    expect(nobody.out.error).toMatchObject({ code: "NOT_FOUND", field: "email" });

    // reset: a new generated password, the old one and the user's sessions stop
    const session = await signIn(d.db, { email: "boss@example.com", password: "cli-password-1", ip: "192.0.2.2" });
    const reset = keel("users", "reset-password", "--email", "boss@example.com");
    expect(reset.code).toBe(0);
    expect(reset.out).toMatchObject({
      email: "boss@example.com",
      sessionsEnded: 1,
      password: expect.stringMatching(/^[A-Za-z0-9_-]{18}$/),
    });
    expect(await principalFromSession(d.db, session.token)).toBeNull();
    await expect(signIn(d.db, { email: "boss@example.com", password: "cli-password-1", ip: "192.0.2.3" })).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect((await signIn(d.db, { email: "boss@example.com", password: reset.out.password, ip: "192.0.2.3" })).user.email).toBe(
      "boss@example.com",
    );
    const given = keel("users", "reset-password", "--email", "boss@example.com", "--password", "chosen-password-1");
    expect(given.out).toMatchObject({ password: null });
  });

  it("seeds the demo once: a second seed creates nothing", () => {
    const first = keel("seed");
    expect(first.code).toBe(0);
    expect(first.out).toMatchObject({ created: true, email: "demo@keel.local" });
    const second = keel("seed");
    expect(second.out).toMatchObject({ created: false });
  });

  it("refuses to start a worker with a bad KEEL_EGRESS_ALLOW, naming it", () => {
    const res = spawnSync(process.execPath, [BIN, "worker", "--json"], {
      env: {
        ...process.env,
        DATABASE_URL: d.url,
        LOG_LEVEL: "silent",
        KEEL_DATA_DIR: DATA_DIR,
        KEEL_EGRESS_ALLOW: "10.0.0.0/8,10.0.0.0/33",
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status).toBe(1);
    const out = JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") as { error?: { message: string } };
    expect(out.error?.message).toContain('KEEL_EGRESS_ALLOW: "10.0.0.0/33" is not a CIDR');
  });
});

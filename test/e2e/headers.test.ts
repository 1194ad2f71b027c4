import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { maintenanceUrl } from "../../db/embedded";
import { withDatabase } from "../helpers/global-db";
import { launch, withPage } from "./browser";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin/keel.mjs");

/** One instance (data dir + database) that can be started, stopped and started again. */
async function instance() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "keel-headers-"));
  let databaseUrl = "";
  let drop = async () => {};
  if (process.env.DATABASE_URL) {
    const name = `keel_e2e_${randomBytes(4).toString("hex")}`;
    const admin = postgres(maintenanceUrl(process.env.DATABASE_URL), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${name}`);
    databaseUrl = withDatabase(process.env.DATABASE_URL, name);
    drop = async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    };
  }
  const env = (extra: Record<string, string>): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, PORT: "0", KEEL_DATA_DIR: dataDir, LOG_LEVEL: "warn", NODE_ENV: "production", ...extra };
    if (databaseUrl) e.DATABASE_URL = databaseUrl;
    else delete e.DATABASE_URL;
    delete e.HOST; // the default bind address is under test too
    return e;
  };
  let child: ChildProcess | null = null;
  return {
    /** `keel start --json`: its ready line and everything it printed. */
    start: async (extra: Record<string, string> = {}) => {
      const c = spawn(process.execPath, [BIN, "start", "--json"], { cwd: ROOT, env: env(extra), stdio: ["ignore", "pipe", "inherit"] });
      child = c;
      let out = "";
      c.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
      });
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const line = out.split("\n").find((l) => l.startsWith('{"url"'));
          if (line) resolve(JSON.parse(line));
        };
        c.stdout?.on("data", check);
        c.once("exit", (code) => reject(new Error(`keel start exited with ${code}:\n${out}`)));
      });
      return { ready, url: `http://127.0.0.1:${ready.port}`, output: () => out };
    },
    stop: async () => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await exited;
    },
    cli: (...args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args, "--json"], {
        cwd: ROOT,
        env: env({ LOG_LEVEL: "silent" }),
        encoding: "utf8",
        timeout: 60_000,
      }),
    cleanup: async () => {
      await drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const cspOf = (res: Response) => res.headers.get("content-security-policy") ?? "";
const directive = (csp: string, name: string) =>
  csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `)) ?? "";

function expectBaseHeaders(res: Response) {
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  expect(directive(cspOf(res), "frame-ancestors")).toBe("frame-ancestors 'none'");
}

const signIn = (url: string, email: string, password: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/trpc/workspace.auth.signIn`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: { email, password } }),
  });

describe("keel start: demo on (the default), security headers, no proxy trusted", () => {
  let inst: Awaited<ReturnType<typeof instance>>;
  let first: Awaited<ReturnType<Awaited<ReturnType<typeof instance>>["start"]>>;
  beforeAll(async () => {
    inst = await instance();
    first = await inst.start();
  });
  afterAll(async () => {
    await inst?.stop();
    await inst?.cleanup();
  });

  it("serves pages with a fresh script nonce on every script and no unsafe-inline scripts", async () => {
    const a = await fetch(`${first.url}/sign-in`);
    expect(a.status).toBe(200);
    expectBaseHeaders(a);
    const script = directive(cspOf(a), "script-src");
    expect(script).not.toContain("unsafe-inline");
    expect(script).not.toContain("unsafe-eval");
    const nonce = script.match(/'nonce-([^']+)'/)?.[1] ?? "";
    expect(nonce.length).toBeGreaterThanOrEqual(16);
    const html = await a.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    // a client cannot choose the nonce by sending a policy of its own
    const b = await fetch(`${first.url}/sign-in`, { headers: { "content-security-policy": "script-src 'nonce-chosenbyclient1234'" } });
    const other = directive(cspOf(b), "script-src").match(/'nonce-([^']+)'/)?.[1];
    expect(other).toBeTruthy();
    expect(other).not.toBe(nonce);
    expect(await b.text()).not.toContain("chosenbyclient");
  });

  it("puts the headers on API answers (success and error) and the widget script, which stays embeddable", async () => {
    for (const p of ["/api/health", "/api/v1/no-such-route", "/api/trpc/workspace.auth.me"]) {
      const res = await fetch(`${first.url}${p}`);
      expectBaseHeaders(res);
      expect(directive(cspOf(res), "default-src")).toBe("default-src 'none'");
    }
    const widget = await fetch(`${first.url}/widget.js`, { headers: { origin: "https://shop.example" } });
    expect(widget.status).toBe(200);
    expect(widget.headers.get("content-type")).toMatch(/javascript/);
    expect(widget.headers.get("x-content-type-options")).toBe("nosniff");
    expect(widget.headers.get("cross-origin-resource-policy")).toBeNull();
  });

  it("binds to 127.0.0.1 by default", async () => {
    expect(first.ready.url).toBe(`http://localhost:${first.ready.port}`);
    const ss = spawnSync("ss", ["-ltnH", `sport = :${first.ready.port}`], { encoding: "utf8" });
    if (ss.status === 0) expect(ss.stdout).toContain(`127.0.0.1:${first.ready.port}`);
  });

  it("ignores X-Forwarded-Proto without KEEL_TRUST_PROXY: the session cookie is not Secure", async () => {
    const res = await signIn(first.url, String(first.ready.email), String(first.ready.password), { "x-forwarded-proto": "https" });
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toContain("keel_session=");
    expect(cookie).not.toMatch(/;\s*Secure/i);
  });

  it("printed the demo password and key on the first start, and never again", async () => {
    expect(first.ready.password).toEqual(expect.any(String));
    expect(String(first.ready.key)).toMatch(/^sk_/);
    await inst.stop();
    const second = await inst.start();
    expect(second.ready).toMatchObject({ demo: true, email: "demo@keel.local", password: null, key: null });
    expect(second.output()).not.toContain(String(first.ready.password));
    expect(second.output()).not.toContain(String(first.ready.key));
    // the credentials still work: they were shown once, not changed
    expect((await signIn(second.url, "demo@keel.local", String(first.ready.password))).status).toBe(200);
  }, 300_000);
});

describe("keel start: production mode (KEEL_DEMO=0) behind a trusted proxy (KEEL_TRUST_PROXY=1)", () => {
  let inst: Awaited<ReturnType<typeof instance>>;
  beforeAll(async () => {
    inst = await instance();
  });
  afterAll(async () => {
    await inst?.stop();
    await inst?.cleanup();
  });

  it("seeds no demo, prints no credentials, says how to create the first admin; X-Forwarded-Proto makes cookies Secure", async () => {
    const s = await inst.start({ KEEL_DEMO: "0", KEEL_TRUST_PROXY: "1" });
    expect(s.ready).toMatchObject({ demo: false, email: null, password: null, key: null, projectId: null, needsFirstAdmin: true });
    const demoKey = inst.cli("keys", "create", "--project", "demo");
    expect(demoKey.status).toBe(1);
    expect(demoKey.stdout).toContain("No project with slug demo");
    expect(inst.cli("users", "create", "--email", "ops@example.com", "--password", "ops-password-1").status).toBe(0);
    const secure = await signIn(s.url, "ops@example.com", "ops-password-1", { "x-forwarded-proto": "https" });
    expect(secure.status).toBe(200);
    expect(secure.headers.get("set-cookie")).toMatch(/;\s*Secure/i);
    const plain = await signIn(s.url, "ops@example.com", "ops-password-1");
    expect(plain.headers.get("set-cookie")).not.toMatch(/;\s*Secure/i);
    await inst.stop();
    // the second start of a production instance: still no demo, and it has a user now
    const again = await inst.start({ KEEL_DEMO: "0" });
    expect(again.ready).toMatchObject({ demo: false, needsFirstAdmin: false });
  }, 300_000);
});

const skip = inject("e2eSkip");
const app = skip ? null : inject("e2eApp");

describe.skipIf(Boolean(skip))(`the console runs under the policy in Chromium${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("hydrates and signs in with no CSP violation", async () => {
    if (!app) return;
    const browser = await launch();
    try {
      await withPage(browser, "csp", async (page) => {
        const violations: string[] = [];
        page.on("console", (m) => {
          if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
        });
        await page.goto(`${app.url}/sign-in`);
        await page.getByLabel("Email").fill(app.email);
        await page.getByLabel("Password").fill(app.password);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL(`${app.url}/demo`);
        await page.getByRole("link", { name: "Settings" }).waitFor();
        expect(violations).toEqual([]);
      });
    } finally {
      await browser.close();
    }
  });
});

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { NextConfig } from "next";
import { describe, expect, it } from "vitest";
import { SOURCES } from "../../cli/web";

/**
 * Project hygiene a fresh clone depends on: the top-level Next config, the declared native
 * dependency and its lockfile entry, and Next's telemetry kept off in Keel's own processes.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));

describe("project hygiene", () => {
  it("the web build's source stamp watches files that exist, next.config.js among them", () => {
    for (const source of SOURCES) expect(fs.existsSync(path.join(ROOT, source)), source).toBe(true);
    expect(SOURCES).toContain("next.config.js");
    expect(fs.existsSync(path.join(ROOT, "next.config.ts"))).toBe(false); // two configs: Next would pick one silently
  });

  it("next.config.js adds the static security headers under next dev only (keel start sets its own, with a nonce)", async () => {
    const { default: configFor } = (await import(pathToFileURL(path.join(ROOT, "next.config.js")).href)) as {
      default: (phase: string) => NextConfig;
    };
    const dev = configFor("phase-development-server");
    const rules = (await dev.headers?.()) ?? [];
    expect(rules.map((r) => r.source)).toEqual(["/:path*"]);
    const csp = rules[0]?.headers.find((h) => h.key === "Content-Security-Policy")?.value;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(rules[0]?.headers.find((h) => h.key === "X-Frame-Options")?.value).toBe("DENY");

    const build = configFor("phase-production-build");
    expect(build.headers).toBeUndefined();
    expect(build.poweredByHeader).toBe(false);
    expect(build.serverExternalPackages).toEqual(expect.arrayContaining(["onnxruntime-node", "@huggingface/transformers", "postgres"]));
  });

  it("declares onnxruntime-node at exactly the version the lockfile resolves, with its install script off", () => {
    const pkg = readJson("package.json");
    const lock = readJson("package-lock.json");
    const resolved = lock.packages["node_modules/onnxruntime-node"]?.version;
    expect(resolved).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies["onnxruntime-node"]).toBe(resolved);
    // Its install script downloads CUDA libraries (an offline install fails on it): npm 11.19+ skips it by
    // allowScripts, npm 10 (Node 20's own) only by the .npmrc setting, which npm 11 warns about but honours.
    expect(pkg.allowScripts["onnxruntime-node"]).toBe(false);
    expect(fs.readFileSync(path.join(ROOT, ".npmrc"), "utf8")).toMatch(/^onnxruntime-node-install=skip$/m);
  });

  it("the lockfile's root entry lists exactly package.json's dependencies (npm ci refuses a mismatch)", () => {
    const pkg = readJson("package.json");
    const root = readJson("package-lock.json").packages[""];
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
  });

  it("keel's own processes run with Next's telemetry disabled, whatever the caller's environment", () => {
    // A real `keel --help`, with a preloaded module that reports the variable as the process exits.
    const probe = `data:text/javascript,process.on("exit",()=>process.stderr.write("telemetry-disabled="+process.env.NEXT_TELEMETRY_DISABLED))`;
    const { NEXT_TELEMETRY_DISABLED: _, ...callerEnv } = process.env;
    const res = spawnSync(process.execPath, ["--import", probe, path.join(ROOT, "bin", "keel.mjs"), "--help"], {
      cwd: ROOT,
      env: { ...callerEnv, LOG_LEVEL: "silent" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/keel/i);
    expect(res.stderr).toContain("telemetry-disabled=1");
  });
});

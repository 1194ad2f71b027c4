import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { isBuiltin } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { USAGE } from "../../cli/usage";

/**
 * The prebuilt CLI (cli/build.mjs, bin/keel.mjs): what `keel --help` loads, that a stale bundle is
 * rebuilt, and the fallback to tsx. Each test builds into a KEEL_CLI_DIR of its own, so the
 * checkout's .keel-cli/ (which the other CLI tests run from) is never touched.
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "bin", "keel.mjs");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-bundle-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
    encoding: "utf8",
    timeout: 120_000,
  });

const manifest = (dir: string) =>
  JSON.parse(fs.readFileSync(path.join(dir, "current.json"), "utf8")) as { build: string; inputs: [string, number, number][] };

interface Metafile {
  outputs: Record<
    string,
    { entryPoint?: string; inputs: Record<string, unknown>; imports: { path: string; kind: string; external?: boolean }[] }
  >;
}

describe("the prebuilt CLI", () => {
  it("`keel --help` loads no package and none of our modules beyond main.ts and usage.ts: every command is a chunk of its own", () => {
    const dir = path.join(scratch, "graph");
    const built = node([path.join(ROOT, "cli", "build.mjs")], { KEEL_CLI_DIR: dir });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/bundle built/);
    const { build } = manifest(dir);
    const meta = JSON.parse(fs.readFileSync(path.join(dir, build, "meta.json"), "utf8")) as Metafile;
    // esbuild names outputs relative to the checkout; walk the static imports from the entry
    const entry = Object.keys(meta.outputs).find((o) => meta.outputs[o]?.entryPoint === "cli/main.ts");
    expect(entry).toBeDefined();
    const seen = new Set<string>();
    const externals = new Set<string>();
    const walk = (out: string) => {
      if (seen.has(out)) return;
      seen.add(out);
      for (const imp of meta.outputs[out]?.imports ?? []) {
        if (imp.kind !== "import-statement") continue;
        if (imp.external) externals.add(imp.path);
        else walk(imp.path);
      }
    };
    walk(entry as string);
    expect([...externals].filter((e) => !isBuiltin(e))).toEqual([]);
    const sources = [...seen].flatMap((o) => Object.keys(meta.outputs[o]?.inputs ?? {})).sort();
    expect(sources).toEqual(["cli/main.ts", "cli/usage.ts"]);
    // the commands are behind dynamic imports, and packages are imported from where the sources get them
    const imports = Object.values(meta.outputs).flatMap((o) => o.imports);
    expect(imports.filter((i) => i.kind === "dynamic-import").length).toBeGreaterThan(10);
    const drizzle = imports.find((i) => i.external && i.path.includes("/node_modules/drizzle-orm/"));
    expect(drizzle?.path).toMatch(/^file:\/\/.*\/node_modules\/drizzle-orm\/.*\.m?js$/);
    expect(fs.existsSync(fileURLToPath(drizzle?.path as string))).toBe(true);
  });

  it("prints the same help from the bundle and from the sources through tsx", () => {
    const dir = path.join(scratch, "help");
    const bundled = node([BIN, "--help"], { KEEL_CLI_DIR: dir });
    const sources = node([BIN, "--help"], { KEEL_CLI: "tsx" });
    expect(bundled.status, bundled.stderr).toBe(0);
    expect(sources.status, sources.stderr).toBe(0);
    expect(bundled.stderr).toBe("");
    expect(bundled.stdout).toBe(`${USAGE}\n`);
    expect(sources.stdout).toBe(bundled.stdout);
    expect(fs.existsSync(path.join(dir, manifest(dir).build, "keel.mjs"))).toBe(true);
  });

  it("rebuilds when a file it was built from changed, and keeps the previous build for processes still running from it", () => {
    const dir = path.join(scratch, "stale");
    expect(node([BIN, "--help"], { KEEL_CLI_DIR: dir }).status).toBe(0);
    const first = manifest(dir);
    expect(first.inputs.map(([f]) => f)).toEqual(
      expect.arrayContaining(["cli/main.ts", "cli/usage.ts", "cli/build.mjs", "server/core/errors.ts"]),
    );
    // up to date: the next run builds nothing
    expect(node([BIN, "--help"], { KEEL_CLI_DIR: dir }).status).toBe(0);
    expect(manifest(dir).build).toBe(first.build);
    // a recorded size that no longer matches stands for an edit (the checkout's sources stay untouched)
    const edited = { ...first, inputs: first.inputs.map(([f, size, mtime]) => [f, f === "cli/usage.ts" ? size + 1 : size, mtime]) };
    fs.writeFileSync(path.join(dir, "current.json"), JSON.stringify(edited));
    const res = node([BIN, "--help"], { KEEL_CLI_DIR: dir });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toBe(`${USAGE}\n`);
    expect(manifest(dir).build).not.toBe(first.build);
    expect(fs.existsSync(path.join(dir, first.build, "keel.mjs"))).toBe(true);
  });

  it("runs the sources through tsx where the bundle cannot be built, saying so on stderr once", () => {
    const dir = path.join(scratch, "broken");
    // current.json as a directory: the build runs but cannot be published
    fs.mkdirSync(path.join(dir, "current.json"), { recursive: true });
    const first = node([BIN, "--help"], { KEEL_CLI_DIR: dir });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${USAGE}\n`);
    expect(first.stderr).toMatch(/^keel: the CLI bundle could not be built \(.*EISDIR.*\); running the TypeScript sources through tsx/);
    expect(first.stderr.trim().split("\n")).toHaveLength(1);
    const second = node([BIN, "--help"], { KEEL_CLI_DIR: dir });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(`${USAGE}\n`);
    expect(second.stderr).toBe("");
  });
});

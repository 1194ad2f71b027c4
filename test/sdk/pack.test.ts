import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTrace } from "../../server/logs/traces";
import { getRunDetail } from "../../server/registry";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { type KeelServer, projectWithKey, startKeel } from "./helpers";

/**
 * The SDK as an app installs it: `npm pack` (whose prepack builds dist/ with tsc), the tarball
 * installed into a project outside the repository (offline, no react), a consumer type-checked
 * under nodenext, bundler and exactOptionalPropertyTypes, then compiled and run by plain `node`
 * against a live Keel; what it logged is read back through the services.
 *
 * The pack runs in a copy of sdk/ under the checkout (.keel-sdk-pack-*, gitignored; node_modules
 * above it give tsc the react and openai types): a dist/ inside sdk/ would be what the other test
 * files' `import "../../sdk"` resolve to while it exists (Vite follows sdk/package.json's exports).
 */

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSC = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
const run = promisify(execFile);

/** The environment without the npm_* variables of the npm that started vitest (its prefix, its scripts). */
const cleanEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
  ({
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_"))),
    ...extra,
  }) as NodeJS.ProcessEnv;

async function sh(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await run(cmd, args, { cwd, env: cleanEnv(env), timeout: 180_000, maxBuffer: 16 * 2 ** 20 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}\n${e.stderr ?? ""}\n${e.message}`);
  }
}

const CONSUMER = `import { createKeelClient, type KeelIngestError, type TraceInput, uuidv7 } from "@keel/sdk";
import { type ObserveOpenAIOptions, observeOpenAI } from "@keel/sdk/openai";

// Node's own types are not installed here: only what the consumer uses
declare const process: { env: Record<string, string | undefined>; exitCode: number };

const errors: KeelIngestError[] = [];
const keel = createKeelClient({
  baseUrl: process.env.KEEL_URL ?? "",
  apiKey: process.env.KEEL_KEY ?? "",
  // string | undefined: optional fields take undefined, also under exactOptionalPropertyTypes
  release: process.env.KEEL_RELEASE,
  flushIntervalMs: 60_000,
  onError: (e) => void errors.push(e),
});
const input: TraceInput = { id: process.env.KEEL_TRACE_ID, name: "packed-consumer", userId: process.env.NO_SUCH_VARIABLE, tags: ["packed"], input: "2+2?" };
const trace = keel.trace(input);
trace
  .generation({ name: "llm", model: "gpt-4o-mini", input: [{ role: "user", content: "2+2?" }] })
  .end({ output: "four", usage: { input: 5, output: 1 } });
trace.update({ output: "four" });
trace.rate({ name: "thumbs", value: true, comment: undefined });
await keel.flush();

const run = await keel.runs.start({ experiment: "packed-consumer", params: { lr: 0.1 }, name: process.env.NO_SUCH_VARIABLE });
run.log({ loss: 0.5 }, { step: 1 });
run.log({ loss: 0.25 }, { step: 2, timestamp: undefined });
const ended = await run.end();
await keel.shutdown();

// the wrapper types without openai installed: it takes any client object
const options: ObserveOpenAIOptions = { client: keel, traceName: undefined };
const wrapped: { chat: object } = observeOpenAI({ chat: {} }, options);

// prompts: created, fetched by label (optional fields take undefined), compiled by type
await keel.prompts.create({ name: "packed-prompt", prompt: "Hi {{who}}", labels: ["production"], commitMessage: process.env.NO_SUCH_VARIABLE });
const prompt = await keel.prompts.get("packed-prompt", { label: process.env.NO_SUCH_VARIABLE });
const compiled: string = prompt.type === "text" ? prompt.compile({ who: "you" }) : (prompt.compile({ who: "you" })[0]?.content ?? "");

console.log(JSON.stringify({ traceId: trace.id, runId: run.id, status: ended.status, errors: errors.map((e) => e.message), uuid: uuidv7().length, wrapped: typeof wrapped.chat, prompt: compiled }));
if (errors.length) process.exitCode = 1;
`;

/** The three settings a consumer may compile under; the first also emits the JavaScript that node runs. */
const CONFIGS: Record<string, Record<string, unknown>> = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext", outDir: "out" },
  bundler: { module: "esnext", moduleResolution: "bundler", noEmit: true },
  exact: { module: "nodenext", moduleResolution: "nodenext", exactOptionalPropertyTypes: true, noEmit: true },
};

let d: TestDatabase;
let keel: KeelServer;
let projectId: string;
let key: string;
let stage: string;
let scratch: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  ({ projectId, key } = await projectWithKey(d));
  keel = await startKeel();
  stage = fs.mkdtempSync(path.join(ROOT, ".keel-sdk-pack-"));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "keel-sdk-consumer-"));
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
  fs.rmSync(stage, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("the SDK's npm package", () => {
  it("packs with its build, installs offline without react, type-checks three ways and runs on plain node against Keel", async () => {
    // 1. npm pack (prepack: tsc -p tsconfig.build.json) in a copy of sdk/
    const sdk = path.join(stage, "sdk");
    fs.cpSync(path.join(ROOT, "sdk"), sdk, { recursive: true, filter: (src) => !/[/\\](dist|node_modules)$/.test(src) });
    const tarballs = path.join(scratch, "tarballs");
    fs.mkdirSync(tarballs);
    await sh("npm", ["pack", "--pack-destination", tarballs], sdk);
    const [tarball] = fs.readdirSync(tarballs).filter((f) => f.endsWith(".tgz"));
    expect(tarball).toBe("keel-sdk-0.1.0.tgz");
    const listed = (await sh("tar", ["-tzf", path.join(tarballs, tarball as string)], scratch)).stdout.trim().split("\n").sort();
    for (const f of [
      "package.json",
      "README.md",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/openai.js",
      "dist/openai.d.ts",
      "dist/react.js",
      "dist/react.d.ts",
    ])
      expect(listed).toContain(`package/${f}`);
    // JavaScript and declarations only: no TypeScript sources, tests or build config
    expect(listed.filter((f) => /\.tsx?$/.test(f) && !f.endsWith(".d.ts"))).toEqual([]);
    expect(listed).not.toContain("package/tsconfig.build.json");

    // 2. installed into a project of its own, offline; react and openai are optional peers, not pulled in
    const app = path.join(scratch, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    await sh("npm", ["install", path.join(tarballs, tarball as string), "--offline", "--no-audit", "--no-fund"], app);
    const installed = path.join(app, "node_modules");
    expect(fs.existsSync(path.join(installed, "@keel", "sdk", "dist", "index.js"))).toBe(true);
    expect(fs.existsSync(path.join(installed, "react"))).toBe(false);
    expect(fs.existsSync(path.join(installed, "openai"))).toBe(false);
    const manifest = JSON.parse(fs.readFileSync(path.join(installed, "@keel", "sdk", "package.json"), "utf8"));
    expect(manifest.dependencies).toBeUndefined(); // nothing to install at run time

    // 3. type-checked under each setting (our .d.ts checked too: skipLibCheck off), the first emitting JavaScript
    fs.writeFileSync(path.join(app, "consumer.ts"), CONSUMER);
    await Promise.all(
      Object.entries(CONFIGS).map(([name, settings]) => {
        const compilerOptions = { target: "ES2022", lib: ["ES2022", "DOM"], strict: true, skipLibCheck: false, types: [], ...settings };
        fs.writeFileSync(path.join(app, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
        return sh(process.execPath, [TSC, "-p", `tsconfig.${name}.json`], app);
      }),
    );

    // 4. run by plain node (no tsx, no loader) against the live server
    const traceId = `packed-${Date.now()}`;
    const { stdout } = await sh(process.execPath, [path.join(app, "out", "consumer.js")], app, {
      KEEL_URL: keel.url,
      KEEL_KEY: key,
      KEEL_TRACE_ID: traceId,
      KEEL_RELEASE: "packed-1.0",
    });
    const result = JSON.parse(stdout.trim().split("\n").pop() as string);
    expect(result).toMatchObject({ traceId, status: "FINISHED", errors: [], uuid: 36, wrapped: "object", prompt: "Hi you" });

    // 5. what landed, read through the services
    const got = await getTrace(d.db, projectId, traceId);
    expect(got.trace).toMatchObject({ name: "packed-consumer", release: "packed-1.0", tags: ["packed"], input: "2+2?", output: "four" });
    expect(got.observations).toHaveLength(1);
    expect(got.observations[0]).toMatchObject({ type: "generation", name: "llm", model: "gpt-4o-mini", inputTokens: 5, outputTokens: 1 });
    expect(got.ratings.map((r) => r.name)).toEqual(["thumbs"]);
    const detail = await getRunDetail(d.db, projectId, result.runId);
    expect(detail).toMatchObject({ experimentName: "packed-consumer", status: "FINISHED", params: { lr: "0.1" } });
    expect(detail.metrics.find((m) => m.key === "loss")).toMatchObject({ step: 2, value: 0.25 });
  }, 300_000); // npm pack + tsc, npm install, three type-checks: over a minute on a busy 2-core machine
});

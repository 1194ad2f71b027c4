import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, type TestDatabase } from "../helpers/db";

const BIN = path.resolve(import.meta.dirname, "../../bin/keel.mjs");
const DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "keel-cli-models-"));
let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(async () => {
  await d.drop();
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
});

function keel(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args, "--json"], {
    env: { ...process.env, DATABASE_URL: d.url, LOG_LEVEL: "silent", KEEL_DATA_DIR: DATA_DIR },
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  return { code: res.status, out: line ? JSON.parse(line) : null, stderr: res.stderr };
}

const tree = (dir: string) =>
  fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();

describe("keel models", () => {
  it("seeds the bundled models, registers a folder, promotes it and downloads it back byte for byte", () => {
    expect(keel("seed").code).toBe(0);
    for (const name of ["tiny-gpt2", "tiny-bert-embed", "tiny-bert-sentiment"])
      expect(keel("models", "resolve", `${name}@production`).out).toMatchObject({ version: 1, status: "ready", format: "transformers.js" });
    expect(keel("seed").code).toBe(0); // idempotent: still version 1, no second version
    expect(keel("models", "resolve", "tiny-gpt2:2").out).toMatchObject({ error: { code: "NOT_FOUND" } });

    const reg = keel("models", "register", "tiny-gpt2", "--path", "models/tiny-gpt2");
    expect(reg.code).toBe(0);
    expect(reg.out).toMatchObject({ model: "tiny-gpt2", version: 2, format: "transformers.js", files: tree("models/tiny-gpt2").length });
    expect(keel("models", "promote", "tiny-gpt2", "2", "--alias", "staging").out).toMatchObject({ status: "moved", version: 2 });
    expect(keel("models", "resolve", "tiny-gpt2@staging").out).toMatchObject({ version: 2, aliases: ["staging"] });

    const to = path.join(DATA_DIR, "download");
    const dl = keel("models", "download", "tiny-gpt2@staging", "--to", to);
    expect(dl.code).toBe(0);
    expect(tree(to)).toEqual(tree("models/tiny-gpt2"));
    for (const f of tree(to))
      expect(fs.readFileSync(path.join(to, f)).equals(fs.readFileSync(path.join("models/tiny-gpt2", f)))).toBe(true);
  });

  it("says what is wrong and exits 1", () => {
    const missing = keel("models", "register", "x", "--path", "no/such/dir");
    expect(missing.code).toBe(1);
    expect(missing.out.error).toMatchObject({ code: "NOT_FOUND", field: "path" });
    expect(keel("models", "promote", "tiny-gpt2", "7", "--alias", "production").out.error.code).toBe("NOT_FOUND");
    expect(keel("models", "promote", "tiny-gpt2", "1").out.error.message).toMatch(/--alias/);
    expect(keel("models", "resolve", "nobody@production").out.error.message).toBe("model nobody not found");
  });
});

import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeelProcess, startKeel } from "./keel-process";

/** `keel start` as an operator runs it: serves, then on SIGTERM drains and stops everything it owns. */
describe("keel start lifecycle", () => {
  let keel: KeelProcess;
  beforeAll(async () => {
    keel = await startKeel();
  });
  afterAll(() => keel.cleanup());

  it("serves the demo with its bundled models, then shuts down cleanly on SIGTERM", async () => {
    const health = await fetch(`${keel.url}/api/health`);
    expect(health.status).toBe(200);
    const models = await fetch(`${keel.url}/api/v1/projects/demo/models/local`, { headers: { authorization: `Bearer ${keel.key}` } });
    expect(((await models.json()) as { id: string; task: string }[]).map((m) => `${m.id}:${m.task}`)).toEqual([
      "tiny-bert-embed:feature-extraction",
      "tiny-bert-sentiment:text-classification",
      "tiny-gpt2:text-generation",
    ]);
    const pidFile = path.join(keel.dataDir, "pg", "postmaster.pid");
    const pgPid = keel.databaseUrl ? null : Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);

    expect(await keel.stop()).toBe(0);
    const lines = keel.output().split("\n");
    expect(lines.some((l) => l.includes('"msg":"shutting down"'))).toBe(true);
    expect(lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    await expect(fetch(`${keel.url}/api/health`)).rejects.toThrow();
    if (pgPid) {
      // the embedded server it started is stopped too, its lock file removed
      expect(() => process.kill(pgPid, 0)).toThrow();
      expect(fs.existsSync(pidFile)).toBe(false);
    }
  });
});

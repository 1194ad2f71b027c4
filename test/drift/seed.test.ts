import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_MONITOR, seedDemoDrift } from "../../server/drift/seed";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
afterAll(async () => {
  await d?.drop();
});
beforeAll(async () => {
  d = await freshRuntimeDatabase();
});

describe("the demo project's drift monitor", () => {
  it("is seeded once, over gateway traffic whose last day shifted, and opens with a drifted run", async () => {
    const p = await makeProject(d.db);
    const projectId = p.project.id;
    expect(await seedDemoDrift(d.db, SYSTEM_ACTOR, projectId)).toBe(true);
    expect(await seedDemoDrift(d.db, SYSTEM_ACTOR, projectId)).toBe(false);
    const api = callerFor(d.db, p.owner.principal);
    const monitor = await api.drift.monitors.get({ projectId, monitor: DEMO_MONITOR });
    expect(monitor.schedule).toBe("0 * * * *");
    expect(monitor.timeline.map((r) => r.verdict)).toEqual(["drift"]);
    const run = await api.drift.runs.get({ projectId, runId: monitor.lastRun?.id ?? "" });
    expect(run.reference.size).toBe(280);
    expect(run.current.size).toBe(140);
    const drifted = (run.columns as { name: string; drift: boolean | null }[]).filter((c) => c.drift).map((c) => c.name);
    for (const name of ["input_chars", "latency_ms", "output_tokens", "language"]) expect(drifted).toContain(name);
    // the model column is one value in both windows: tested, not drifted
    expect((run.columns as { name: string; drift: boolean | null }[]).find((c) => c.name === "model")?.drift).toBe(false);
  });
});

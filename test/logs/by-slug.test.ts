import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callerFor, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
beforeAll(async () => {
  d = await freshDatabase();
});
afterAll(() => d.drop());

describe("logs procedures addressed by project slug", () => {
  // The console sends the slug; a service must write the resolved project id, not the raw input.
  it("create score configs, prices and queues under the project's id", async () => {
    const { project, owner } = await makeProject(d.db);
    const api = callerFor(d.db, owner.principal);
    const cfg = await api.logs.scoreConfigs.create({ projectId: project.slug, name: "helpful", dataType: "boolean" });
    expect(cfg.projectId).toBe(project.id);
    const price = await api.logs.prices.upsert({ projectId: project.slug, match: "m", inputPerMillion: 1, outputPerMillion: 2 });
    expect((await api.logs.prices.list({ projectId: project.slug })).map((p) => p.id)).toEqual([price.id]);
    const queue = await api.logs.queues.create({ projectId: project.slug, name: "q", scoreConfigIds: [cfg.id] });
    expect(queue.projectId).toBe(project.id);
  });
});

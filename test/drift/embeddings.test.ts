import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { ingestBatch } from "../../server/logs";
import { registerBundled } from "../../server/registry";
import { type Principal, SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let projectId: string;
let owner: Principal;
const now = Date.now();
const day = 86_400_000;

const WEATHER = [
  "Will it rain tomorrow in Paris?",
  "How warm is it in Madrid today?",
  "Is there snow in the Alps this week?",
  "What is the forecast for London?",
];
const CODE = [
  "How do I reverse a linked list in Python?",
  "Why does my TypeScript build fail with TS2322?",
  "Explain a SQL left join with an example.",
  "How do I profile a slow Node.js server?",
];

function traces(prefix: string, texts: string[], n: number, from: number, span: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    type: "trace",
    id: `${prefix}-${i}`,
    body: {
      timestamp: new Date(from + Math.floor((i / n) * span)).toISOString(),
      name: "chat",
      tags: [prefix.startsWith("b") ? "topic-b" : "topic-a"],
      input: [{ role: "user", content: `${texts[i % texts.length]} (${i})` }],
      output: { role: "assistant", content: "ok" },
    },
  }));
}

const cfg = (tag: string, method: string, over: Record<string, unknown> = {}) => ({
  source: { kind: "traffic", filter: { tags: [tag] } },
  columns: [{ name: "input_chars" }],
  embeddings: { field: "input", method, maxRows: 40, ...over },
  reference: { kind: "range", from: new Date(now - 10 * day).toISOString(), to: new Date(now - 3 * day).toISOString() },
  current: { kind: "sliding", window: "day" },
  minSamples: 20,
});

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  owner = p.owner.principal;
  // topic a: weather questions in both windows; topic b: weather before, code questions now
  const batch = [
    ...traces("a-ref", WEATHER, 40, now - 9 * day, 5 * day),
    ...traces("a-cur", WEATHER, 40, now - 20 * 3600_000, 10 * 3600_000),
    ...traces("b-ref", WEATHER, 40, now - 9 * day, 5 * day),
    ...traces("b-cur", CODE, 40, now - 20 * 3600_000, 10 * 3600_000),
  ];
  await ingestBatch(d.db, projectId, batch, { source: "api" });
});
afterAll(async () => {
  await d?.drop();
});

describe("embedding drift of logged inputs", () => {
  it("embeds each trace once with the bundled model, finds the topic shift, and projects both windows to 2-D", async () => {
    const api = callerFor(d.db, owner);
    const shifted = await api.drift.monitors.create({ projectId, name: "topics-b", config: cfg("topic-b", "distance") });
    const run = await api.drift.monitors.run({ projectId, monitor: shifted.id });
    const e = run.embeddings as {
      status: string;
      method: string;
      value: number;
      threshold: number;
      drift: boolean;
      dimensions: number;
      projection: { reference: number[][]; current: number[][] };
    };
    expect(e.status).toBe("tested");
    expect(e.method).toBe("distance");
    expect(e.dimensions).toBeGreaterThan(8);
    expect(e.drift).toBe(true);
    expect(e.value).toBeGreaterThan(e.threshold);
    expect(e.projection.reference.length).toBe(40);
    expect(e.projection.current[0]?.length).toBe(2);
    expect(run.verdict).toBe("drift");
    const cached = await d.db.$count(schema.driftEmbeddings, eq(schema.driftEmbeddings.projectId, projectId));
    expect(cached).toBe(80);
    // a second run reads the cache: nothing new is embedded, and the figure is the same
    const again = await api.drift.monitors.run({ projectId, monitor: shifted.id });
    expect(await d.db.$count(schema.driftEmbeddings, eq(schema.driftEmbeddings.projectId, projectId))).toBe(80);
    expect((again.embeddings as { value: number }).value).toBe(e.value);

    const stable = await api.drift.monitors.preview({ projectId, config: cfg("topic-a", "distance") });
    expect(stable.embeddings?.drift).toBe(false);
    expect(stable.embeddings?.value ?? 1).toBeLessThan(e.value);
  });

  it("uses a registered feature-extraction model when one is named, and each of Evidently's methods", async () => {
    await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
    const api = callerFor(d.db, owner);
    for (const method of ["model", "ratio", "mmd"]) {
      const res = await api.drift.monitors.preview({ projectId, config: cfg("topic-b", method, { model: "tiny-bert-embed@production" }) });
      expect(res.embeddings?.status, method).toBe("tested");
      expect(res.embeddings?.method).toBe(method);
      expect(typeof res.embeddings?.value).toBe("number");
    }
    const [row] = (await d.db.execute(sql`SELECT count(DISTINCT model_version_id)::int AS n FROM drift_embeddings`)) as unknown as {
      n: number;
    }[];
    expect(row?.n).toBe(2); // the bundled files, then the registered version
    await expect(api.drift.monitors.preview({ projectId, config: cfg("topic-b", "distance", { model: "no-such-model" }) })).rejects.toThrow(
      /embedding model no-such-model/,
    );
  });
});

import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addVersion, parseDataset } from "../../server/datasets";
import { ingestBatch } from "../../server/logs";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { chatEvents } from "../factories/logs";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshDatabase, type TestDatabase } from "../helpers/db";

let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
beforeAll(async () => {
  d = await freshDatabase();
  p = await makeProject(d.db);
});
afterAll(() => d.drop());

const jsonl = (rows: object[]) => new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join("\n"));
const upload = (name: string, rows: object[]) =>
  addVersion(d.db, SYSTEM_ACTOR, p.project.id, name, parseDataset(jsonl(rows), "jsonl"), {
    kind: "upload",
    format: "jsonl",
    filename: null,
  });

describe("dataset versions", () => {
  it("creates, lists, and refuses a duplicate name", async () => {
    const api = callerFor(d.db, p.owner.principal);
    const ds = await api.datasets.create({ projectId: p.project.id, name: "made-by-hand", description: "x" });
    expect(ds.name).toBe("made-by-hand");
    await expect(api.datasets.create({ projectId: p.project.id, name: "made-by-hand" })).rejects.toMatchObject({ code: "CONFLICT" });
    const list = await api.datasets.list({ projectId: p.project.id, limit: 50 });
    expect(list.items.map((x) => x.name)).toContain("made-by-hand");
  });

  it("numbers immutable versions, dedups identical content, and pages the preview and versions", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ input: `q${i}`, references: [`a${i}`] }));
    const v1 = await upload("qa", rows);
    expect(v1).toMatchObject({ version: 1, rowCount: 25, created: true, columns: ["input", "references"] });
    expect(v1.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const again = await upload("qa", rows);
    expect(again).toMatchObject({ id: v1.id, version: 1, created: false });
    const v2 = await upload("qa", [...rows.slice(5), { input: "new", references: "n" }]);
    expect(v2).toMatchObject({ version: 2, rowCount: 21, created: true });

    const api = callerFor(d.db, p.owner.principal);
    const versions = await api.datasets.versions({ projectId: p.project.id, datasetId: v1.datasetId, limit: 1 });
    expect(versions.items.map((x) => x.version)).toEqual([2]);
    const rest = await api.datasets.versions({
      projectId: p.project.id,
      datasetId: v1.datasetId,
      limit: 1,
      cursor: versions.nextCursor ?? "",
    });
    expect(rest.items.map((x) => x.version)).toEqual([1]);
    expect(rest.nextCursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.datasets.preview({ projectId: p.project.id, versionId: v1.id, limit: 10, cursor });
      seen.push(...page.items.map((r) => r.input as string));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(rows.map((r) => r.input));

    const diff = await api.datasets.diff({ projectId: p.project.id, fromVersionId: v1.id, toVersionId: v2.id });
    expect(diff).toMatchObject({ added: 1, removed: 5, unchanged: 20, from: { version: 1 }, to: { version: 2 } });
    expect(diff.sample.added.map((r) => r.input)).toEqual(["new"]);
    expect(diff.sample.removed.map((r) => r.input)).toEqual(["q0", "q1", "q2", "q3", "q4"]);
  });

  it("builds a version from logs: model X rated 4 or more", async () => {
    const good = chatEvents({ model: "model-x", question: "good?", answer: "yes" });
    const low = chatEvents({ model: "model-x", question: "low?" });
    const other = chatEvents({ model: "model-y", question: "other?" });
    const unrated = chatEvents({ model: "model-x", question: "unrated?" });
    const events = [
      ...good.events,
      ...low.events,
      ...other.events,
      ...unrated.events,
      { type: "rating", body: { traceId: good.traceId, name: "quality", value: 5 } },
      { type: "rating", body: { traceId: low.traceId, name: "quality", value: 2 } },
      { type: "rating", body: { traceId: other.traceId, name: "quality", value: 5 } },
    ];
    const res = await ingestBatch(d.db, p.project.id, events, { source: "api" });
    expect(res.every((r) => r.status === 201)).toBe(true);
    const api = callerFor(d.db, p.owner.principal);
    const v = await api.datasets.buildFromLogs({
      projectId: p.project.id,
      name: "from-logs",
      filter: { models: ["model-x"], from: new Date(Date.now() - 30 * 86_400_000) },
      rating: { name: "quality", min: 4 },
    });
    expect(v).toMatchObject({ version: 1, rowCount: 1, source: { kind: "logs", rating: { name: "quality", min: 4 } } });
    const rows = await api.datasets.preview({ projectId: p.project.id, versionId: v.id });
    expect(rows.items).toEqual([
      {
        idx: 0,
        input: [{ role: "user", content: "good?" }],
        references: ["yes"],
        prediction: null,
        metadata: { traceId: good.traceId, model: "model-x" },
      },
    ]);
    await expect(api.datasets.buildFromLogs({ projectId: p.project.id, name: "none", filter: { models: ["nope"] } })).rejects.toMatchObject(
      { code: "BAD_REQUEST" },
    );
  });

  it("lets viewers read but not write, and hides another project's versions", async () => {
    const viewer = await makeMember(d.db, p.project.id, "viewer");
    const api = callerFor(d.db, viewer.principal);
    await expect(api.datasets.create({ projectId: p.project.id, name: "nope" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(api.datasets.buildFromLogs({ projectId: p.project.id, name: "nope" })).rejects.toBeInstanceOf(TRPCError);
    const list = await api.datasets.list({ projectId: p.project.id });
    expect(list.items.length).toBeGreaterThan(0);

    const mine = await upload("secret", [{ input: "a", references: "b" }]);
    const other = await makeProject(d.db);
    const stranger = callerFor(d.db, other.owner.principal);
    await expect(stranger.datasets.preview({ projectId: other.project.id, versionId: mine.id })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(stranger.datasets.versions({ projectId: other.project.id, datasetId: mine.datasetId })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });
});

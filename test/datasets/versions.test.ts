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

  it("builds SFT chat rows from logs: rated, text chats only, deduplicated, with a stable held-out split", async () => {
    const tag = "sft-build";
    const chat = (question: string, answer: string) => chatEvents({ question, answer, tags: [tag] });
    const kept = Array.from({ length: 8 }, (_, i) => chat(`question ${i}?`, `answer ${i}`));
    const dup = chat("question 0?", "answer 0");
    const low = chat("bad question?", "bad answer");
    const trace = (id: string, input: unknown, output: unknown) => ({
      type: "trace",
      id,
      body: { name: "chat", timestamp: new Date().toISOString(), tags: [tag], input, output },
    });
    const odd = [
      // a tool call, an image, an empty answer: none is a text SFT row
      trace(`tool-${Date.now()}`, [{ role: "user", content: "weather?" }], { role: "assistant", content: null, tool_calls: [{ id: "c" }] }),
      trace(`image-${Date.now()}`, [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }], {
        role: "assistant",
        content: "a cat",
      }),
      trace(`empty-${Date.now()}`, [{ role: "user", content: "anything?" }], { role: "assistant", content: " " }),
    ];
    const parts = trace(
      `parts-${Date.now()}`,
      {
        messages: [
          { role: "system", content: "be brief" },
          { role: "user", content: [{ type: "text", text: "in parts?" }] },
        ],
      },
      "yes",
    );
    const rate = (traceId: string, value: number) => ({ type: "rating", body: { traceId, name: "thumbs", value } });
    const events = [
      ...kept.flatMap((k) => k.events),
      ...dup.events,
      ...low.events,
      ...odd,
      parts,
      ...kept.map((k) => rate(k.traceId, 1)),
      rate(dup.traceId, 1),
      rate(low.traceId, 0),
      ...odd.map((o) => rate(o.id, 1)),
      rate(parts.id, 1),
    ];
    const res = await ingestBatch(d.db, p.project.id, events, { source: "api" });
    expect(res.filter((r) => r.status !== 201)).toEqual([]);
    const api = callerFor(d.db, p.owner.principal);
    const build = () =>
      api.datasets.buildFromLogs({
        projectId: p.project.id,
        name: "sft-chat",
        filter: { tags: [tag] },
        rating: { name: "thumbs", min: 1 },
        format: "chat",
        dedupe: true,
        heldOut: 0.25,
        view: "good answers",
      });
    const v = await build();
    expect(v).toMatchObject({
      version: 1,
      rowCount: 9,
      skipped: { notChat: 3, duplicates: 1 },
      source: { kind: "logs", format: "chat", dedupe: true, heldOut: 0.25, view: "good answers", skipped: { notChat: 3, duplicates: 1 } },
    });
    const rows = (await api.datasets.preview({ projectId: p.project.id, versionId: v.id, limit: 50 })).items;
    const byQuestion = new Map(rows.map((r) => [(r.input as { content: string }[]).at(-1)?.content, r]));
    expect(byQuestion.get("question 3?")).toMatchObject({ input: [{ role: "user", content: "question 3?" }], references: ["answer 3"] });
    expect(byQuestion.get("in parts?")).toMatchObject({
      input: [
        { role: "system", content: "be brief" },
        { role: "user", content: "in parts?" },
      ],
      references: ["yes"],
    });
    expect(rows.filter((r) => r.input && JSON.stringify(r.input).includes("question 0?"))).toHaveLength(1);
    const splits = rows.map((r) => r.metadata?.split);
    expect(splits.every((x) => x === "train" || x === "test")).toBe(true);
    expect(splits).toContain("test");
    expect(splits).toContain("train");
    // the split comes from each row's content: the same traces build the same version
    expect(await build()).toMatchObject({ id: v.id, created: false });

    await expect(
      api.datasets.buildFromLogs({ projectId: p.project.id, name: "sft-chat", filter: { tags: [tag] }, heldOut: 1.5 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/heldOut/) });
    await expect(
      api.datasets.buildFromLogs({ projectId: p.project.id, name: "only-odd", filter: { search: "weather" }, format: "chat" }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/none of the 1 matching traces is a text chat/) });
    expect((await api.datasets.list({ projectId: p.project.id, limit: 100 })).items.map((x) => x.name)).not.toContain("only-odd");
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

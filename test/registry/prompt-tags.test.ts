import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { dispatch } from "../../server/http/dispatch";
import { serveLangfusePublic } from "../../server/http/langfuse-public";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/**
 * A prompt's tags (server/registry/prompt-tags.ts): one set per prompt, shared by its versions, set by a
 * create (replaced when given, kept when not) or on their own, filtered on in the lists; over REST,
 * tRPC and Langfuse's prompt API.
 */
let d: TestDatabase;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "owner")).key;
});
afterAll(() => d.drop());

type Body = Record<string, unknown> & { error: { code: string; message: string; field?: string } };
const body = async (res: Response) => (await res.json()) as Body;
const api = (path: string, init: Parameters<typeof req>[1] = {}) => dispatch(req(`/api/v1/prompts${path}`, { key, ...init }));
const post = (json: unknown) => api("", { method: "POST", json });
const lf = (method: string, path: string, json?: unknown) =>
  serveLangfusePublic(
    req(`/api/public/v2/prompts${path}`, {
      method,
      json,
      headers: { authorization: `Basic ${Buffer.from(`pk-lf-anything:${key}`).toString("base64")}` },
    }),
  );

const row = async (name: string) => {
  const [m] = await d.db
    .select()
    .from(schema.registeredModels)
    .where(and(eq(schema.registeredModels.projectId, p.project.id), eq(schema.registeredModels.name, name)));
  return m;
};
const names = (list: Body) => (list.items as { name: string }[]).map((i) => i.name);

describe("prompt tags over REST and tRPC", () => {
  it("sets tags on create, replaces them on the next create, keeps them when absent, and filters the list", async () => {
    const first = await post({ name: "faq", prompt: "Answer {{q}}", tags: [" support ", "faq", "support"] });
    expect(first.status).toBe(201);
    expect(await body(first)).toMatchObject({ version: 1, tags: ["faq", "support"] });
    expect((await row("faq"))?.tags).toEqual({ faq: "", support: "" });
    expect(await body(await api("/faq?label=latest"))).toMatchObject({ version: 1, tags: ["faq", "support"] });

    // absent: unchanged, and every version answers the prompt's tags
    expect(await body(await post({ name: "faq", prompt: "v2 {{q}}" }))).toMatchObject({ version: 2, tags: ["faq", "support"] });
    expect(await body(await api("/faq?version=1"))).toMatchObject({ tags: ["faq", "support"] });
    // given: they replace the prompt's, for all its versions
    expect(await body(await post({ name: "faq", prompt: "v3 {{q}}", tags: ["billing"] }))).toMatchObject({ version: 3, tags: ["billing"] });
    expect(await body(await api("/faq?version=1"))).toMatchObject({ tags: ["billing"] });

    await post({ name: "intro", prompt: "Hi", tags: ["support"] });
    await post({ name: "plain", prompt: "Hey" });
    const all = await body(await api(""));
    expect((all.items as { name: string; tags: string[] }[]).map((i) => [i.name, i.tags])).toEqual([
      ["faq", ["billing"]],
      ["intro", ["support"]],
      ["plain", []],
    ]);
    expect(names(await body(await api("?tag=support")))).toEqual(["intro"]);
    expect(names(await body(await api("?tag=billing")))).toEqual(["faq"]);
    expect(names(await body(await api("?tag=none")))).toEqual([]);

    const owner = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    expect((await owner.registry.prompts.list({ ...P, tag: "support" })).items.map((i) => i.name)).toEqual(["intro"]);
    // tRPC: set without a new version; an empty list clears them
    expect(await owner.registry.prompts.setTags({ ...P, name: "intro", tags: [] })).toEqual({ name: "intro", tags: [] });
    expect((await owner.registry.prompts.get({ ...P, name: "intro", label: "latest" })).tags).toEqual([]);
  });

  it("sets tags without a new version (engineer up, audited), and refuses bad tags naming `tags` with nothing written", async () => {
    await post({ name: "sum", prompt: "Sum {{t}}", tags: ["a"] });
    const set = await api("/sum/tags", { method: "PUT", json: { tags: ["b", "c"] } });
    expect(set.status).toBe(200);
    expect(await body(set)).toEqual({ name: "sum", tags: ["b", "c"] });
    const m = await row("sum");
    expect(m?.latestVersion).toBe(1);
    const audits = await d.db
      .select({ before: schema.auditLogs.before, after: schema.auditLogs.after })
      .from(schema.auditLogs)
      .where(and(eq(schema.auditLogs.action, "registry.prompt.tags"), eq(schema.auditLogs.targetId, m?.id as string)));
    // the create's tags and the PUT, each one entry
    expect(audits).toEqual([
      { before: { name: "sum", tags: [] }, after: { name: "sum", tags: ["a"] } },
      { before: { name: "sum", tags: ["a"] }, after: { name: "sum", tags: ["b", "c"] } },
    ]);
    // the same set again changes nothing and logs nothing
    await api("/sum/tags", { method: "PUT", json: { tags: ["c", "b"] } });
    expect(
      await d.db
        .select()
        .from(schema.auditLogs)
        .where(and(eq(schema.auditLogs.action, "registry.prompt.tags"), eq(schema.auditLogs.targetId, m?.id as string))),
    ).toHaveLength(2);

    const viewer = await makeMember(d.db, p.project.id, "viewer");
    const viewerKey = (await makeKey(d.db, p.project.id, viewer.user.id, "viewer")).key;
    expect((await api("/sum/tags", { method: "PUT", key: viewerKey, json: { tags: ["x"] } })).status).toBe(403);
    expect((await api("/nope/tags", { method: "PUT", json: { tags: ["x"] } })).status).toBe(404);

    const twentyOne = Array.from({ length: 21 }, (_, i) => `t${i}`);
    for (const tags of [[""], ["   "], ["x".repeat(65)], twentyOne, "a,b"]) {
      const made = await post({ name: "sum", prompt: "v2", tags });
      expect([JSON.stringify(tags), made.status, (await body(made)).error.field]).toEqual([JSON.stringify(tags), 400, "tags"]);
      const put = await api("/sum/tags", { method: "PUT", json: { tags } });
      expect([JSON.stringify(tags), put.status, (await body(put)).error.field]).toEqual([JSON.stringify(tags), 400, "tags"]);
    }
    expect((await body(await post({ name: "sum", prompt: "v2", tags: [""] }))).error.message).toBe(
      'tags: tag "" must be 1 to 64 characters',
    );
    const after = await row("sum");
    expect([after?.latestVersion, after?.tags]).toEqual([1, { b: "", c: "" }]);
    // 21 given, 20 once deduplicated: accepted
    expect(await body(await post({ name: "sum", prompt: "v2", tags: [...twentyOne.slice(0, 20), "t0"] }))).toMatchObject({
      version: 2,
      tags: expect.arrayContaining(["t0", "t19"]),
    });
    expect((await api("?tag=")).status).toBe(400);
  });
});

describe("prompt tags in Langfuse's prompt API", () => {
  it("keeps createPrompt's tags, answers them on getPrompt, and lists prompts in Langfuse's shape with its filters", async () => {
    const made = await lf("POST", "", {
      name: "lf-movies",
      type: "text",
      prompt: "Review {{movie}}",
      labels: ["production"],
      tags: ["movies", "v"],
    });
    expect(made.status).toBe(201);
    expect(await body(made)).toMatchObject({ name: "lf-movies", version: 1, tags: ["movies", "v"] });
    expect(await body(await lf("GET", "/lf-movies"))).toMatchObject({
      version: 1,
      labels: ["production", "latest"],
      tags: ["movies", "v"],
    });
    // null or absent: kept; given: replaced
    await lf("POST", "", { name: "lf-movies", prompt: "v2 {{movie}}", tags: null, config: { temperature: 0.3 } });
    expect(await body(await lf("GET", "/lf-movies?version=2"))).toMatchObject({ tags: ["movies", "v"] });
    await lf("POST", "", { name: "lf-movies", type: "chat", prompt: [{ role: "system", content: "v3" }], tags: ["films"] });
    expect(await body(await lf("GET", "/lf-movies?version=1"))).toMatchObject({ tags: ["films"] });
    const bad = await lf("POST", "", { name: "lf-movies", prompt: "v4", tags: ["x".repeat(65)] });
    expect([bad.status, (await body(bad)).error.field]).toEqual([400, "tags"]);

    await lf("POST", "", { name: "lf-books", prompt: "Read {{book}}", tags: ["books"], labels: ["staging"] });
    await lf("POST", "", { name: "lf-plain", prompt: "x" });
    type Meta = { data: Record<string, unknown>[]; meta: Record<string, number> };
    const list = async (q: string) => (await (await lf("GET", q)).json()) as Meta;
    const movies = await list("?tag=films");
    expect(movies).toEqual({
      data: [
        {
          name: "lf-movies",
          type: "chat",
          versions: [1, 2, 3],
          labels: ["production", "latest"],
          tags: ["films"],
          lastUpdatedAt: expect.any(String),
          lastConfig: {},
        },
      ],
      meta: { page: 1, limit: 50, totalItems: 1, totalPages: 1 },
    });
    const lfNames = (m: Meta) => m.data.map((x) => x.name);
    expect(lfNames(await list("?label=staging"))).toEqual(["lf-books"]);
    expect(lfNames(await list("?name=lf-plain"))).toEqual(["lf-plain"]);
    expect(lfNames(await list("?tag=books&label=production"))).toEqual([]);
    const paged = await list("?limit=2&page=2");
    expect(paged.meta).toMatchObject({ page: 2, limit: 2 });
    const total = paged.meta.totalItems as number;
    expect(paged.meta.totalPages).toBe(Math.ceil(total / 2));
    for (const [q, field] of [
      ["?limit=500", "limit"],
      ["?page=0", "page"],
      ["?tag=", "tag"],
    ]) {
      const res = await lf("GET", q as string);
      expect([q, res.status, (await body(res)).error.field]).toEqual([q, 400, field]);
    }
  });
});

import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { ingestBatch } from "../../server/logs";
import { makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

/** `GET /api/v1/traces` and `/api/v1/traces/{id}` through the route table, against real Postgres. */
let d: TestDatabase;
let projectId: string;
let slug: string;
let viewerKey: string;
let viewerSession: string;
let otherTrace: string;
const run = randomBytes(3).toString("hex");
const id = (n: number) => `t-${run}-${n}`;

/** One call: a trace and its generation, at a fixed time, with what the filters look at. */
function call(
  n: number,
  o: { model: string; at: string; user: string; tags: string[]; error?: boolean; answer?: string },
  traceId = id(n),
) {
  return [
    {
      type: "trace",
      id: traceId,
      body: {
        name: "chat",
        timestamp: o.at,
        userId: o.user,
        sessionId: `s-${o.user}`,
        tags: o.tags,
        input: { question: `question ${n}` },
        output: { answer: o.answer ?? `answer ${n}` },
      },
    },
    {
      type: "observation",
      id: `${traceId}-gen`,
      body: {
        traceId,
        type: "generation",
        model: o.model,
        startTime: o.at,
        endTime: new Date(Date.parse(o.at) + 400).toISOString(),
        usage: { input: 100, output: 20 },
        status: o.error ? "error" : "ok",
      },
    },
  ];
}

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  const p = await makeProject(d.db);
  projectId = p.project.id;
  slug = p.project.slug;
  viewerKey = (await makeKey(d.db, projectId, p.owner.user.id, "viewer")).key;
  viewerSession = (await makeMember(d.db, projectId, "viewer")).token;
  const events = [
    ...call(1, { model: "gpt-4o-mini", at: "2026-03-01T10:00:00Z", user: "ann", tags: ["prod", "eu"] }),
    ...call(2, { model: "gpt-4o", at: "2026-03-01T11:00:00Z", user: "bob", tags: ["prod"], error: true }),
    ...call(3, { model: "claude-3-5-haiku", at: "2026-03-02T10:00:00Z", user: "ann", tags: ["dev"], answer: "the parcel ships tomorrow" }),
    ...call(4, { model: "gpt-4o-mini", at: "2026-03-03T10:00:00Z", user: "cid", tags: ["prod", "eu"] }),
    ...call(5, { model: "gpt-4o-mini", at: "2026-03-04T10:00:00Z", user: "ann", tags: ["prod"] }),
    { type: "rating", id: `r-${run}-1`, body: { traceId: id(1), name: "helpful", value: 0.9, comment: "good" } },
    { type: "rating", id: `r-${run}-4`, body: { traceId: id(4), name: "helpful", value: 0.2 } },
  ];
  const results = await ingestBatch(d.db, projectId, events, { source: "api" });
  expect(results.filter((r) => r.status !== 201)).toEqual([]);
  const other = await makeProject(d.db);
  otherTrace = `other-${run}`;
  await ingestBatch(d.db, other.project.id, call(9, { model: "x", at: "2026-03-01T10:00:00Z", user: "eve", tags: [] }, otherTrace), {
    source: "api",
  });
});
afterAll(() => d.drop());

type Row = { id: string; model: string | null; userId: string | null; status: string; tags: string[]; ratingMean: number | null };
type Page = { items: Row[]; nextCursor: string | null };

const get = (path: string, key = viewerKey) => dispatch(req(path, { key }));
async function list(query: string, key = viewerKey): Promise<Page> {
  const res = await get(`/api/v1/traces${query}`, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Page;
}
const ids = (p: Page) => p.items.map((r) => r.id);

describe("GET /api/v1/traces", () => {
  it("lists the key's project newest first, in the explorer's list shape; a viewer key may read", async () => {
    const page = await list("");
    expect(ids(page)).toEqual([id(5), id(4), id(3), id(2), id(1)]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[4]).toMatchObject({ model: "gpt-4o-mini", userId: "ann", status: "ok", tags: ["prod", "eu"], ratingMean: 0.9 });
    expect(page.items.some((r) => r.id.startsWith("other-"))).toBe(false);
  });

  it("takes the explorer's filters as query parameters: lists as comma lists or repeated parameters", async () => {
    expect(ids(await list("?models=gpt-4o,claude-3-5-haiku"))).toEqual([id(3), id(2)]);
    expect(ids(await list("?models=gpt-4o&models=claude-3-5-haiku"))).toEqual([id(3), id(2)]);
    expect(ids(await list("?tags=prod,eu"))).toEqual([id(4), id(1)]);
    expect(ids(await list("?userId=ann&status=ok"))).toEqual([id(5), id(3), id(1)]);
    expect(ids(await list("?status=error"))).toEqual([id(2)]);
    expect(ids(await list("?sessionId=s-cid"))).toEqual([id(4)]);
    expect(ids(await list("?from=2026-03-01T10:30:00Z&to=2026-03-03T10:00:00Z"))).toEqual([id(3), id(2)]);
    expect(ids(await list("?from=2026-03-03"))).toEqual([id(5), id(4)]);
    expect(ids(await list("?ratingMin=0.5"))).toEqual([id(1)]);
    expect(ids(await list("?hasRating=false&models=gpt-4o-mini"))).toEqual([id(5)]);
    expect(ids(await list(`?search=${encodeURIComponent('"ships tomorrow"')}`))).toEqual([id(3)]);
  });

  it("pages with cursor and limit, without gaps or repeats", async () => {
    const first = await list("?limit=2");
    expect(ids(first)).toEqual([id(5), id(4)]);
    expect(first.nextCursor).toBeTruthy();
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([id(3), id(2)]);
    const third = await list(`?limit=2&cursor=${second.nextCursor}`);
    expect(ids(third)).toEqual([id(1)]);
    expect(third.nextCursor).toBeNull();
    // the filter holds across pages
    const filtered = await list("?models=gpt-4o-mini&limit=2");
    expect(ids(await list(`?models=gpt-4o-mini&limit=2&cursor=${filtered.nextCursor}`))).toEqual([id(1)]);
  });

  it("answers a signed-in member for ?project=", async () => {
    const res = await dispatch(req(`/api/v1/traces?project=${slug}&limit=1`, { cookie: viewerSession }));
    expect(res.status).toBe(200);
    expect(ids((await res.json()) as Page)).toEqual([id(5)]);
  });

  it.each([
    ["?limit=abc", "limit"],
    ["?limit=0", "limit"],
    ["?from=yesterday", "from"],
    ["?to=2026-03-01T10:00:00", "to"],
    ["?status=maybe", "status"],
    ["?ratingMin=high", "ratingMin"],
    ["?hasRating=perhaps", "hasRating"],
    ["?model=gpt-4o", "model"],
    ["?cursor=not-a-cursor", "cursor"],
  ])("%s is a 400 naming %s", async (query, field) => {
    const res = await get(`/api/v1/traces${query}`);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(error).toMatchObject({ code: "BAD_REQUEST", field });
    expect(error.message).toContain(field);
  });

  it("needs credentials", async () => {
    const res = await dispatch(req("/api/v1/traces"));
    expect(res.status).toBe(401);
  });
});

describe("GET /api/v1/traces by score", () => {
  // a project of its own, so these ratings leave the shared traces' rating means alone
  let key: string;
  const sid = (n: number) => `s-${run}-${n}`;
  beforeAll(async () => {
    const p = await makeProject(d.db);
    key = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
    const day = (n: number) => `2026-04-0${n}T10:00:00Z`;
    const rating = (n: number, name: string, value: number | string) => ({
      type: "rating",
      id: `r-${run}-${n}-${name}`,
      body: { traceId: sid(n), name, value },
    });
    const events = [
      ...[1, 2, 3, 4].flatMap((n) => call(n, { model: "gpt-4o-mini", at: day(n), user: "ann", tags: [] }, sid(n))),
      rating(1, "helpful", 0.9),
      rating(2, "helpful", 0.2),
      rating(3, "tone", "polite"),
      rating(4, "helpful", 1),
      rating(4, "tone", "curt"),
    ];
    const results = await ingestBatch(d.db, p.project.id, events, { source: "api" });
    expect(results.filter((r) => r.status !== 201)).toEqual([]);
  });
  const q = (s: string) => encodeURIComponent(s);

  it("filters by per-score conditions written as the explorer writes them: ;-separated, a comma list or repeated", async () => {
    expect(ids(await list(`?scores=${q("helpful>=0.5")}`, key))).toEqual([sid(4), sid(1)]);
    expect(ids(await list(`?scores=${q("helpful>=0.5;helpful<=0.95")}`, key))).toEqual([sid(1)]);
    expect(ids(await list(`?scores=${q("helpful>=0.5")}&scores=${q("helpful<=0.95")}`, key))).toEqual([sid(1)]);
    expect(ids(await list(`?scores=${q("helpful<=0.5,tone")}`, key))).toEqual([]);
    expect(ids(await list(`?scores=${q("tone=polite")}`, key))).toEqual([sid(3)]);
    expect(ids(await list(`?scores=tone`, key))).toEqual([sid(4), sid(3)]);
  });

  it("sorts by a score (unrated last) or a column, and pages in that order", async () => {
    expect(ids(await list(`?sort=${q("score:helpful:asc")}`, key))).toEqual([sid(2), sid(1), sid(4), sid(3)]);
    expect(ids(await list(`?sort=${q("score:helpful")}`, key))).toEqual([sid(4), sid(1), sid(2), sid(3)]);
    expect(ids(await list("?sort=time:asc", key))).toEqual([sid(1), sid(2), sid(3), sid(4)]);
    const first = await list(`?sort=${q("score:helpful:desc")}&limit=2`, key);
    expect(ids(first)).toEqual([sid(4), sid(1)]);
    expect(ids(await list(`?sort=${q("score:helpful:desc")}&limit=2&cursor=${first.nextCursor}`, key))).toEqual([sid(2), sid(3)]);
  });

  it.each([
    [`?scores=${encodeURIComponent("helpful>=high")}`, "scores", "helpful>=high"],
    [`?scores=${encodeURIComponent("tone=")}`, "scores", "tone="],
    ["?sort=price:asc", "sort", "price:asc"],
    ["?sort=score:", "sort", "score:"],
  ])("%s is a 400 naming %s and the bad value", async (query, field, value) => {
    const res = await get(`/api/v1/traces${query}`, key);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; field: string; message: string } };
    expect(error).toMatchObject({ code: "BAD_REQUEST", field });
    expect(error.message).toContain(`${field}: "${value}"`);
  });
});

describe("GET /api/v1/traces/{id}", () => {
  it("answers the trace with its observations and ratings", async () => {
    const res = await get(`/api/v1/traces/${id(1)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      trace: { id: string; userId: string; input: unknown; inputTokens: number };
      observations: { id: string; type: string; model: string; latencyMs: number }[];
      ratings: { name: string; value: number; comment: string }[];
    };
    expect(body.trace).toMatchObject({ id: id(1), userId: "ann", input: { question: "question 1" }, inputTokens: 100 });
    expect(body.observations).toEqual([
      expect.objectContaining({ id: `${id(1)}-gen`, type: "generation", model: "gpt-4o-mini", latencyMs: 400 }),
    ]);
    expect(body.ratings).toEqual([expect.objectContaining({ name: "helpful", value: 0.9, comment: "good" })]);
  });

  it("answers 404 for another project's trace, and for none", async () => {
    for (const missing of [otherTrace, "no-such-trace"]) {
      const res = await get(`/api/v1/traces/${missing}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatch } from "../../server/http/dispatch";
import { handleV1 } from "../../server/http/v1";
import { callerFor, makeKey, makeMember, makeProject, req } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";

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
const api = (path: string, init: Parameters<typeof req>[1] = {}) => handleV1(req(`/api/v1/prompts${path}`, { key, ...init }));
const post = (json: unknown, k = key) => api("", { method: "POST", json, key: k });
const body = async (res: Response) => (await res.json()) as Body;

describe("REST /api/v1/prompts", () => {
  it("creates versions, fetches by label or version with an ETag that a label move changes, and lists", async () => {
    const first = await post({ name: "support", prompt: "Answer {{question}}", config: { temperature: 0 }, labels: ["production"] });
    expect(first.status).toBe(201);
    expect(await body(first)).toMatchObject({ name: "support", version: 1, labels: ["production"] });
    const second = await post({ name: "support", messages: [{ role: "system", content: "Be kind to {{who}}" }], commitMessage: "chat" });
    expect(second.status).toBe(201);
    expect(await body(second)).toMatchObject({ version: 2, labels: [] });

    const got = await api("/support?label=production");
    expect(got.status).toBe(200);
    expect(await body(got)).toMatchObject({
      name: "support",
      version: 1,
      type: "text",
      prompt: "Answer {{question}}",
      config: { temperature: 0 },
      labels: ["production"],
    });
    const etag = got.headers.get("etag") as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(got.headers.get("cache-control")).toBe("private, max-age=60");
    // without label or version: production, the same bytes, the same tag
    expect((await api("/support")).headers.get("etag")).toBe(etag);
    const again = await api("/support", { headers: { "if-none-match": `W/"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect(await again.text()).toBe("");
    expect((await api("/support?version=2")).headers.get("etag")).not.toBe(etag);

    // labels are part of the tag: a move to 2 then back to 1 gives version 1 new labels, then the old ones
    const move = await api("/support/labels/staging", { method: "PUT", json: { version: 1, reason: "try" } });
    expect(move.status).toBe(200);
    expect(await body(move)).toMatchObject({ status: "moved", model: "support", alias: "staging", version: 1, previous: null });
    const moved = await api("/support", { headers: { "if-none-match": etag } });
    expect(moved.status).toBe(200);
    expect(await body(moved)).toMatchObject({ labels: ["production", "staging"] });

    const chat = await body(await api("/support?version=2"));
    expect(chat).toMatchObject({ type: "chat", messages: [{ role: "system", content: "Be kind to {{who}}" }], labels: ["latest"] });
    expect(chat.prompt).toBeUndefined();

    const rendered = await api("/support/render", { method: "POST", json: { version: 1, variables: { question: "why?" } } });
    expect(await body(rendered)).toMatchObject({ prompt: "Answer why?" });
    const missing = await api("/support/render", { method: "POST", json: { variables: {} } });
    expect(missing.status).toBe(400);
    expect((await body(missing)).error).toMatchObject({ message: "variable question is missing", field: "variables.question" });
    const unknown = await api("/support/render", { method: "POST", json: { variables: { question: "a", tone: "b" } } });
    expect((await body(unknown)).error).toMatchObject({ code: "BAD_REQUEST", field: "variables.tone" });

    const back = await api("/support/labels/production/rollback", { method: "POST", json: {} });
    expect(back.status).toBe(409);
    expect((await body(back)).error.message).toBe("alias production has no earlier version to roll back to");

    const list = await body(await api(""));
    expect(list.items).toEqual([
      expect.objectContaining({
        name: "support",
        latestVersion: 2,
        labels: [
          { label: "production", version: 1 },
          { label: "staging", version: 1 },
        ],
      }),
    ]);
    const history = await body(await api("/support/history"));
    expect((history.items as { alias: string }[]).map((h) => h.alias)).toEqual(["staging", "production"]);
  });

  it("answers a guarded label move 202 or 412 as a model alias move does", async () => {
    for (const prompt of ["one", "two", "three"]) expect((await post({ name: "guarded", prompt })).status).toBe(201);
    expect((await api("/guarded/labels/production", { method: "PUT", json: { version: 1 } })).status).toBe(200);
    const owner = callerFor(d.db, p.owner.principal);
    const P = { projectId: p.project.id };
    await owner.registry.approvals.setPolicy({
      ...P,
      model: "guarded",
      aliases: ["production"],
      requiredApprovals: 1,
      approverRoles: ["owner"],
      gateIds: [],
    });
    const engineer = await makeMember(d.db, p.project.id, "engineer");
    const engKey = (await makeKey(d.db, p.project.id, engineer.user.id, "engineer")).key;
    const pending = await api("/guarded/labels/production", { method: "PUT", key: engKey, json: { version: 2, reason: "v2" } });
    expect(pending.status).toBe(202);
    expect(await body(pending)).toMatchObject({ status: "pending", version: 2, request: { status: "pending", reason: "v2" } });
    const createPending = await post({ name: "guarded", prompt: "four", labels: ["production"] }, engKey);
    expect(createPending.status).toBe(202);
    expect(await body(createPending)).toMatchObject({ version: 4, labels: [], pending: [{ label: "production" }] });

    const gate = await owner.evals.gates.create({ ...P, name: "must-eval", rules: ["rougeL.fmeasure >= 0.5"] });
    await owner.registry.approvals.setPolicy({
      ...P,
      model: "guarded",
      aliases: ["production"],
      requiredApprovals: 0,
      approverRoles: ["owner"],
      gateIds: [gate.id],
    });
    const blocked = await api("/guarded/labels/production", { method: "PUT", json: { version: 3 } });
    expect(blocked.status).toBe(412);
    expect((await body(blocked)).error.message).toMatch(/^Moving production to version 3 is blocked: gate must-eval/);
    // a create whose label is refused writes nothing: 5 is still the next number
    expect((await post({ name: "guarded", prompt: "five", labels: ["production"] })).status).toBe(412);
    expect(await body(await post({ name: "guarded", prompt: "five" }))).toMatchObject({ version: 5 });
  });

  it("names the field of bad input, refuses other projects' keys and the other kind's names", async () => {
    const cases: [unknown, string][] = [
      [{ name: "bad", prompt: "   " }, "prompt"],
      [{ name: "bad" }, "prompt"],
      [{ name: "bad", prompt: "x", messages: [{ role: "user", content: "x" }] }, "messages"],
      [{ name: "bad", messages: [{ role: "robot", content: "x" }] }, "messages.0.role"],
      [{ name: "bad", messages: [] }, "messages"],
      [{ name: "bad", prompt: "x", labels: ["Prod"] }, "labels.0"],
      [{ name: "bad", prompt: "x", labels: ["latest"] }, "labels.0"],
      [{ name: "a/b", prompt: "x" }, "name"],
      [{ name: "bad", prompt: "x", config: [1] }, "config"],
    ];
    for (const [input, field] of cases) {
      const res = await post(input);
      expect([JSON.stringify(input), res.status]).toEqual([JSON.stringify(input), 400]);
      expect([JSON.stringify(input), (await body(res)).error.field]).toEqual([JSON.stringify(input), field]);
    }
    expect((await api("/bad")).status).toBe(404);
    await post({ name: "fine", prompt: "x" });
    for (const q of ["version=0", "version=1.5", "version=abc", "version=-1"]) {
      const res = await api(`/fine?${q}`);
      expect([q, res.status, (await body(res)).error.field]).toEqual([q, 400, "version"]);
    }
    const both = await api("/fine?version=1&label=production");
    expect((await body(both)).error).toMatchObject({ code: "BAD_REQUEST", field: "version" });
    const nolabel = await api("/fine?label=production");
    expect(nolabel.status).toBe(404);
    expect((await body(nolabel)).error.message).toBe("label production of prompt fine not found");
    const badMove = await api("/fine/labels/production", { method: "PUT", json: { version: "2" } });
    expect((await body(badMove)).error.field).toBe("version");

    // a key of another project: 404, as for any row of another project
    const other = await makeProject(d.db);
    const otherKey = (await makeKey(d.db, other.project.id, other.owner.user.id, "owner")).key;
    expect((await api("/fine", { key: otherKey })).status).toBe(404);
    expect((await api("/fine/labels/production", { method: "PUT", key: otherKey, json: { version: 1 } })).status).toBe(404);

    // one name space with models: 409 naming the other kind, both ways; prompts are not models
    const model = await handleV1(req("/api/v1/registry/models", { method: "POST", key, json: { name: "ranker" } }));
    expect(model.status).toBe(201);
    const clash = await post({ name: "ranker", prompt: "x" });
    expect(clash.status).toBe(409);
    expect((await body(clash)).error).toMatchObject({ message: "a model named ranker already exists", field: "name" });
    const clash2 = await handleV1(req("/api/v1/registry/models", { method: "POST", key, json: { name: "fine" } }));
    expect((await body(clash2)).error).toMatchObject({ code: "CONFLICT", message: "a prompt named fine already exists" });
    const uriVersion = await handleV1(
      req("/api/v1/registry/models/fine/versions", { method: "POST", key, json: { uri: "https://example.com/w.bin" } }),
    );
    expect(uriVersion.status).toBe(409);
    expect((await body(uriVersion)).error.message).toMatch(/^fine is a prompt, not a model/);
    expect((await api("/ranker")).status).toBe(400);

    const models = await body(await handleV1(req("/api/v1/registry/models", { key })));
    expect((models.items as { name: string }[]).map((m) => m.name)).toEqual(["ranker"]);
    const getPrompt = await handleV1(req("/api/v1/registry/models/fine", { key }));
    expect(getPrompt.status).toBe(400);
    expect((await body(getPrompt)).error.message).toBe("fine is a prompt, not a model");
    const mlflow = async (filter: string) => {
      const res = await dispatch(req(`/api/2.0/mlflow/registered-models/search?filter=${encodeURIComponent(filter)}`, { key }));
      return ((await res.json()) as { registered_models?: { name: string }[] }).registered_models?.map((m) => m.name) ?? [];
    };
    expect(await mlflow("name LIKE '%'")).toEqual(["ranker"]);
    expect(await mlflow("name = 'fine'")).toEqual([]);
    expect(await mlflow("name = 'ranker'")).toEqual(["ranker"]);
    const versions = await dispatch(req(`/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name = 'fine'")}`, { key }));
    expect(await versions.json()).toEqual({ model_versions: [] });
  });

  it("documents the fetch's ETag, Cache-Control and 304 in the OpenAPI document", async () => {
    const doc = (await (await handleV1(req("/api/v1/openapi.json"))).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>>;
    };
    const get = doc.paths["/api/v1/prompts/{name}"]?.get;
    expect(Object.keys(get?.responses ?? {})).toEqual(["200", "304", "default"]);
    expect(Object.keys(get?.responses["200"]?.headers ?? {})).toEqual(["ETag", "Cache-Control"]);
    expect(doc.paths["/api/v1/prompts"]?.get?.responses["304"]).toBeUndefined();
  });
});

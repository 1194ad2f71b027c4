import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { registerBundled } from "../../server/registry";
import { fallsBack } from "../../server/routing/service-route";
import { createDeployment, createProvider, seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR, setInstanceSetting } from "../../server/workspace";
import { callerFor, makeKey, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * A fixed-answer OpenAI-compatible upstream on loopback. It answers 401 to any key but
 * "fixture-key"; otherwise by `model`: "down-503", "forbidden-403", "limited-429", "bad-400" answer
 * that error; "logprobs" answers "Paris." with token log-probabilities when asked for them (low ones
 * when the prompt says "unsure"); anything else answers "From <model>.".
 */
async function startUpstream() {
  const requests: { body: Record<string, unknown>; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      requests.push({ body, headers: req.headers });
      if (req.headers.authorization !== "Bearer fixture-key")
        return json(res, 401, {
          error: { message: "Incorrect API key provided", type: "invalid_request_error", param: null, code: "invalid_api_key" },
        });
      const model = String(body.model);
      const fail = /^[a-z]+-(\d{3})$/.exec(model);
      if (fail) return json(res, Number(fail[1]), { error: { message: `fixture says ${fail[1]}`, type: "fixture_error" } });
      const prompt = JSON.stringify(body.messages ?? []);
      const lps = prompt.includes("unsure") ? [-2.5, -3.1, -1.9] : [-0.01, -0.02, -0.03];
      const content = model === "logprobs" ? "Paris." : `From ${model}.`;
      json(res, 200, {
        id: "chatcmpl-f",
        object: "chat.completion",
        created: 1,
        model,
        choices: [
          {
            index: 0,
            message: { role: "assistant", content },
            finish_reason: "stop",
            logprobs:
              model === "logprobs" && body.logprobs === true
                ? { content: lps.map((logprob, i) => ({ token: `t${i}`, logprob, bytes: null, top_logprobs: [] })) }
                : null,
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

let d: TestDatabase;
let keel: KeelServer;
let up: Awaited<ReturnType<typeof startUpstream>>;
let p: Awaited<ReturnType<typeof makeProject>>;
let key: string;

beforeAll(async () => {
  d = await freshRuntimeDatabase();
  // the fake upstream is on loopback: allowed through the instance setting, as an instance admin would
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "egress.allow", ["127.0.0.0/8"]);
  keel = await startKeel();
  up = await startUpstream();
  p = await makeProject(d.db);
  key = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
  // tiny-gpt2 (local): a large target and a fallback whose trace carries the route decision
  await registerBundled(d.db, SYSTEM_ACTOR, p.project.id, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, p.project.id);
  const provider = { baseUrl: up.url, timeoutMs: 5000, maxRetries: 0, maxConcurrency: 4 };
  await createProvider(d.db, SYSTEM_ACTOR, p.project.id, { ...provider, name: "fixture", apiKey: "fixture-key" });
  await createProvider(d.db, SYSTEM_ACTOR, p.project.id, { ...provider, name: "wrong-key", apiKey: "not-the-key" });
  const dep = (name: string, providerModel: string, provider = "fixture") =>
    createDeployment(d.db, SYSTEM_ACTOR, p.project.id, {
      kind: "provider",
      task: "chat",
      modelRef: "production",
      defaults: {},
      batching: { windowMs: 5, maxBatch: 16 },
      name,
      provider,
      providerModel,
      inputPricePer1k: 0.1,
      outputPricePer1k: 0.2,
    });
  await dep("small-lp", "logprobs");
  await dep("good", "good");
  await dep("keyless", "good", "wrong-key");
  await dep("down", "down-503");
  await dep("forbidden", "forbidden-403");
  await dep("limited", "limited-429");
  await dep("bad", "bad-400");
});
afterAll(async () => {
  await keel?.close();
  await up?.close();
  await d?.drop();
});

const api = () => callerFor(d.db, p.owner.principal);
const P = () => ({ projectId: p.project.id });
async function chat(model: string, content: string) {
  const res = await fetch(`${keel.url}/api/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content }], max_tokens: 4 }),
  });
  const body = (await res.json()) as { choices?: { message: { content: string } }[]; error?: { message: string; code: string | null } };
  return {
    status: res.status,
    body,
    target: res.headers.get("x-keel-route-target"),
    reason: decodeURIComponent(res.headers.get("x-keel-route-reason") ?? ""),
  };
}
async function rules(name: string, target: string, fallbacks: string[]) {
  await api().routing.create({ ...P(), name, kind: "rules", config: { rules: [], default: target }, fallbacks });
}
/** The router's route events, oldest first, once there are `n`. */
const eventsOf = (name: string, n: number) =>
  waitFor(`${n} route events of ${name}`, async () => {
    const rows = await d.db
      .select({ e: schema.routeEvents })
      .from(schema.routeEvents)
      .innerJoin(schema.routers, eq(schema.routers.id, schema.routeEvents.routerId))
      .where(and(eq(schema.routers.projectId, p.project.id), eq(schema.routers.name, name)))
      .orderBy(asc(schema.routeEvents.createdAt));
    return rows.length >= n ? rows.map((r) => r.e) : undefined;
  });
const traceOf = (id: string | null) =>
  waitFor(
    `trace ${id}`,
    async () =>
      (
        await d.db
          .select()
          .from(schema.traces)
          .where(eq(schema.traces.id, String(id)))
      )[0],
  );
const sent = (providerModel: string) => up.requests.filter((r) => r.body.model === providerModel);

describe("a router on provider error answers", () => {
  it("names the statuses that fall back", () => {
    for (const s of [500, 502, 503, 504, 401, 403, 429]) expect(fallsBack(s), String(s)).toBe(true);
    for (const s of [200, 400, 404, 408, 413, 422]) expect(fallsBack(s), String(s)).toBe(false);
  });

  it("falls back when a provider refuses its key (401), recorded on the route event and the fallback's trace", async () => {
    await rules("key-fb", "keyless", ["tiny-gpt2"]);
    const r = await chat("router:key-fb", "Hello there");
    expect(r, JSON.stringify(r.body)).toMatchObject({ status: 200, target: "tiny-gpt2" });
    expect(r.reason).toBe("no rule matched: default; fallback to tiny-gpt2 after: upstream 401: Incorrect API key provided");
    expect(up.requests.at(-1)?.headers.authorization).toBe("Bearer not-the-key");

    const [e] = await eventsOf("key-fb", 1);
    expect(e).toMatchObject({ target: "tiny-gpt2", fallback: true, reason: r.reason, cache: "miss" });
    const t = await traceOf(e?.traceId ?? null);
    expect(t.routeDecision).toMatchObject({ router: "key-fb", target: "tiny-gpt2", fallback: true, reason: r.reason });
  });

  it("falls back on a provider's 503, 403 and 429 answers to the next provider target", async () => {
    await rules("down-fb", "down", ["good"]);
    await rules("forbidden-fb", "forbidden", ["good"]);
    await rules("limited-fb", "limited", ["good"]);
    for (const [router, status] of [
      ["down-fb", 503],
      ["forbidden-fb", 403],
      ["limited-fb", 429],
    ] as const) {
      const r = await chat(`router:${router}`, `Hello ${router}`);
      expect(r, JSON.stringify(r.body)).toMatchObject({
        status: 200,
        target: "good",
        body: { choices: [{ message: { content: "From good." } }] },
      });
      expect(r.reason).toBe(`no rule matched: default; fallback to good after: upstream ${status}: fixture says ${status}`);
      const [e] = await eventsOf(router, 1);
      expect(e).toMatchObject({ target: "good", fallback: true, reason: r.reason });
      expect(e?.traceId).toBeTruthy();
    }
    expect(sent("down-503")).toHaveLength(1); // maxRetries 0: one call, then the fallback
  });

  it("does not fall back on an error the request caused (400): the client gets it", async () => {
    await rules("bad-fb", "bad", ["good"]);
    const before = sent("good").length;
    const r = await chat("router:bad-fb", "Hello bad");
    expect(r).toMatchObject({
      status: 400,
      target: "bad",
      reason: "no rule matched: default",
      body: { error: { message: "fixture says 400" } },
    });
    expect(sent("good").length).toBe(before);
    const [e] = await eventsOf("bad-fb", 1);
    expect(e).toMatchObject({ target: "bad", fallback: false, reason: "no rule matched: default" });
  });

  it("answers with the last target's error when no target is left", async () => {
    await rules("all-down", "down", ["keyless"]);
    const r = await chat("router:all-down", "Hello all");
    expect(r).toMatchObject({ status: 401, target: "keyless", body: { error: { code: "invalid_api_key" } } });
    expect(r.reason).toBe("no rule matched: default; fallback to keyless after: upstream 503: fixture says 503");
    const [e] = await eventsOf("all-down", 1);
    expect(e).toMatchObject({ target: "keyless", fallback: true });
  });
});

describe("a cascade on a provider's log-probabilities", () => {
  it("asks the provider for logprobs, keeps a confident answer on the small model, escalates an unsure one", async () => {
    await api().routing.create({
      ...P(),
      name: "lp-cascade",
      kind: "cascade",
      config: { small: "small-lp", large: "tiny-gpt2", minMeanLogprob: -1 },
    });
    const sure = await chat("router:lp-cascade", "Capital of France?");
    expect(sure, JSON.stringify(sure.body)).toMatchObject({ status: 200, target: "small-lp" });
    expect(sure.body.choices?.[0]?.message.content).toBe("Paris.");
    expect(sure.reason).toBe("cascade: small answer kept (checks passed)");
    expect(sent("logprobs").at(-1)?.body).toMatchObject({ logprobs: true, stream: false });

    const unsure = await chat("router:lp-cascade", "Capital of France? (unsure)");
    expect(unsure, JSON.stringify(unsure.body)).toMatchObject({ status: 200, target: "tiny-gpt2" });
    expect(unsure.reason).toBe("cascade: escalated (mean logprob -2.500 < -1)");
    expect(sent("logprobs")).toHaveLength(2);
    expect(sent("logprobs").at(-1)?.body).toMatchObject({ logprobs: true });

    const [kept, escalated] = await eventsOf("lp-cascade", 2);
    expect(kept).toMatchObject({ target: "small-lp", large: false, fallback: false, reason: sure.reason });
    expect(escalated).toMatchObject({ target: "tiny-gpt2", large: true, fallback: false, reason: unsure.reason });
    const t = await traceOf(escalated?.traceId ?? null);
    expect(t.routeDecision).toMatchObject({
      router: "lp-cascade",
      kind: "cascade",
      target: "tiny-gpt2",
      large: true,
      reason: unsure.reason,
    });
    // the small answer's own call is a trace too (a provider trace: metadata names the deployment)
    const small = await traceOf(kept?.traceId ?? null);
    expect(small).toMatchObject({ status: "ok", metadata: { deployment: "small-lp" } });
  });
});

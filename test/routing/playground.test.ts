import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schema } from "../../db/client";
import { getPrompt, registerBundled } from "../../server/registry";
import { seedDeployments } from "../../server/serving";
import { SYSTEM_ACTOR } from "../../server/workspace";
import { callerFor, makeMember, makeProject } from "../factories/workspace";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";
import { type KeelServer, startKeel } from "../sdk/helpers";

/**
 * The console's playground endpoint (server/http/playground.ts): a signed-in member's gateway call
 * on the bundled tiny-gpt2 deployment, over a real node:http server, JSON and SSE, traced with the
 * tag `playground`; routers' decisions and registry prompts through the gateway's own code.
 */
let d: TestDatabase;
let keel: KeelServer;
let p: Awaited<ReturnType<typeof makeProject>>;
let projectId: string;
let slug: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  keel = await startKeel();
  p = await makeProject(d.db);
  projectId = p.project.id;
  slug = p.project.slug;
  await registerBundled(d.db, SYSTEM_ACTOR, projectId, path.resolve("models"));
  await seedDeployments(d.db, SYSTEM_ACTOR, projectId);
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
});

/** A POST from the console: the session cookie and Keel's own origin (the CSRF check's). */
const post = (body: unknown, token = p.owner.token) =>
  fetch(`${keel.url}/api/v1/projects/${slug}/playground`, {
    method: "POST",
    headers: { cookie: `keel_session=${token}`, origin: keel.url, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const messages = [{ role: "user", content: "The capital of France is" }];
const traceOf = (id: string) =>
  waitFor(
    `trace ${id}`,
    async () =>
      (
        await d.db
          .select()
          .from(schema.traces)
          .where(and(eq(schema.traces.projectId, projectId), eq(schema.traces.id, id)))
      )[0],
  );
type Err = { error: { message: string; param: string | null; code: string | null } };

/** The text and usage of an SSE answer in OpenAI's chunk shape, and whether it ended with [DONE]. */
async function readSse(res: Response) {
  const text = await res.text();
  const data = text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6));
  const chunks = data.filter((x) => x !== "[DONE]").map((x) => JSON.parse(x));
  const content = chunks.map((c) => c.choices?.[0]?.delta?.content ?? c.choices?.[0]?.text ?? "").join("");
  return { content, usage: chunks.find((c) => c.usage)?.usage, done: data.at(-1) === "[DONE]", chunks };
}

describe("POST /api/v1/projects/:projectId/playground", () => {
  it("answers JSON and SSE with the same greedy text, each call a trace tagged playground", async () => {
    const res = await post({ target: { kind: "model", model: "tiny-gpt2" }, messages, params: { max_tokens: 6 } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      choices: { message: { content: string } }[];
      usage: { completion_tokens: number };
    };
    expect(body.object).toBe("chat.completion");
    const text = body.choices[0]?.message.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(6);
    const traceId = res.headers.get("x-keel-trace-id") as string;
    expect(traceId).toBeTruthy();

    const streamed = await post({ target: { kind: "model", model: "tiny-gpt2" }, messages, params: { max_tokens: 6 }, stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const streamTrace = streamed.headers.get("x-keel-trace-id") as string;
    const sse = await readSse(streamed);
    expect(sse.chunks[0]?.object).toBe("chat.completion.chunk");
    expect(sse.content).toBe(text);
    expect(sse.done).toBe(true);
    expect(sse.usage?.completion_tokens).toBe(body.usage.completion_tokens);

    for (const id of [traceId, streamTrace]) {
      const t = await traceOf(id);
      expect(t.tags).toEqual(expect.arrayContaining(["playground", "gateway"]));
      expect(t.metadata).toMatchObject({ deployment: "tiny-gpt2" });
      expect(t.userId).toBe(p.owner.user.id);
      expect(t.name).toBe("playground chat");
    }
  });

  it("completes text in completion mode", async () => {
    const res = await post({
      target: { kind: "model", model: "tiny-gpt2" },
      mode: "completion",
      prompt: "Hello, my name is",
      params: { max_tokens: 4 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; choices: { text: string }[] };
    expect(body.object).toBe("text_completion");
    expect(body.choices[0]?.text.length).toBeGreaterThan(0);
    const t = await traceOf(res.headers.get("x-keel-trace-id") as string);
    expect(t.tags).toContain("playground");
    expect(t.name).toBe("playground completion");
  });

  it("shows a router's decision and runs a registry prompt with its variables", async () => {
    const owner = callerFor(d.db, p.owner.principal);
    await owner.routing.create({
      projectId: slug,
      name: "pg",
      kind: "rules",
      config: { rules: [{ when: { type: "length", op: ">", value: 500, unit: "chars" }, target: "tiny-gpt2" }], default: "tiny-gpt2" },
    });
    const routed = await post({ target: { kind: "model", model: "router:pg" }, messages, params: { max_tokens: 3 }, stream: true });
    expect(routed.status).toBe(200);
    expect(routed.headers.get("x-keel-router")).toBe("pg");
    expect(routed.headers.get("x-keel-route-target")).toBe("tiny-gpt2");
    expect(decodeURIComponent(routed.headers.get("x-keel-route-reason") ?? "")).not.toBe("");
    expect((await readSse(routed)).done).toBe(true);
    const rt = await traceOf(routed.headers.get("x-keel-trace-id") as string);
    expect(rt.tags).toContain("playground");
    expect(rt.routeDecision).toMatchObject({ router: "pg", target: "tiny-gpt2" });

    const v = await owner.registry.prompts.create({
      projectId: slug,
      name: "capital",
      messages: [{ role: "user", content: "The capital of {{country}} is" }],
      config: { model: "tiny-gpt2", max_tokens: 3 },
    });
    const view = await getPrompt(d.db, projectId, { name: "capital", version: v.version });
    const res = await post({ target: { kind: "prompt", name: "capital", version: v.version, variables: { country: "France" } } });
    expect(res.status).toBe(200);
    const t = await traceOf(res.headers.get("x-keel-trace-id") as string);
    expect(t.promptVersionId).toBe(view.id);
    expect(t.input).toEqual([{ role: "user", content: "The capital of France is" }]);
    expect(t.tags).toContain("playground");

    const missing = await post({ target: { kind: "prompt", name: "capital", version: v.version, variables: {} } });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Err).error.param).toBe("prompt_variables.country");
  });

  it("refuses bad input naming the field, an unknown deployment, and a viewer", async () => {
    const unknown = await post({ target: { kind: "model", model: "no-such-model" }, messages });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as Err).error).toMatchObject({ param: "model" });

    const hot = await post({ target: { kind: "model", model: "tiny-gpt2" }, messages, params: { temperature: 3 } });
    expect(hot.status).toBe(400);
    const hotErr = ((await hot.json()) as Err).error;
    expect(hotErr.param).toBe("params.temperature");
    expect(hotErr.message).toMatch(/temperature is from 0 to 2/);

    const empty = await post({ target: { kind: "model", model: "tiny-gpt2" }, messages: [] });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as Err).error.param).toBe("messages");

    const routerText = await post({ target: { kind: "model", model: "router:pg" }, mode: "completion", prompt: "x" });
    expect(routerText.status).toBe(400);
    expect(((await routerText.json()) as Err).error.param).toBe("mode");

    const viewer = await makeMember(d.db, projectId, "viewer");
    const refused = await post({ target: { kind: "model", model: "tiny-gpt2" }, messages }, viewer.token);
    expect(refused.status).toBe(403);

    const engineer = await makeMember(d.db, projectId, "engineer");
    expect(
      (await post({ target: { kind: "model", model: "tiny-gpt2" }, messages, params: { max_tokens: 2 } }, engineer.token)).status,
    ).toBe(200);

    const noOrigin = await fetch(`${keel.url}/api/v1/projects/${slug}/playground`, {
      method: "POST",
      headers: { cookie: `keel_session=${p.owner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ target: { kind: "model", model: "tiny-gpt2" }, messages }),
    });
    expect(noOrigin.status).toBe(403);
  });
});

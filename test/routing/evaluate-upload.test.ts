import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routerCommand } from "../../cli/router";
import { serveApi } from "../../server/http/node";
import { openApiDocument } from "../../server/http/openapi";
import { ROUTE_TABLE } from "../../server/http/table";
import { evaluationRunning } from "../../server/routing";
import { makeKey, makeProject } from "../factories/workspace";
import { labelledFile as bigFile, ROUTING_FIXTURE as FIXTURE } from "../fixtures/routing/labelled";
import { freshRuntimeDatabase, type TestDatabase } from "../helpers/db";
import { waitFor } from "../helpers/wait";

/**
 * The console's router evaluation as a streamed upload (server/http/routes-routing.ts): the JSONL
 * file is the body of POST /api/v1/projects/:p/routing/evaluate, parsed line by line as it arrives,
 * over a real node:http server, and evaluated with `keel router eval`'s code.
 */
let d: TestDatabase;
let keel: { url: string; close: () => Promise<void> };
let slug: string;
let projectId: string;
let engineer: string;
let viewer: string;
let otherSlug: string;
let tmp: string;
beforeAll(async () => {
  d = await freshRuntimeDatabase();
  keel = await startServer();
  const p = await makeProject(d.db);
  slug = p.project.slug;
  projectId = p.project.id;
  engineer = (await makeKey(d.db, p.project.id, p.owner.user.id, "engineer")).key;
  viewer = (await makeKey(d.db, p.project.id, p.owner.user.id, "viewer")).key;
  otherSlug = (await makeProject(d.db)).project.slug;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "keel-eval-upload-"));
});
afterAll(async () => {
  await keel?.close();
  await d?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Keel's API on a real node:http server, port 0. */
async function startServer() {
  const server = http.createServer((rq, res) => {
    const served = serveApi(rq, res, new URL(rq.url ?? "/", "http://localhost").pathname);
    if (!served) return void res.writeHead(404).end();
    served.catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
  // idle keep-alive connections outlive the CLI runs between requests (Node's default of 5 s races the client's reuse)
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Body = string | ReadableStream<Uint8Array>;
interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string; field?: string } };
}

async function post(body: Body, query = "", opts: { key?: string; project?: string; type?: string } = {}): Promise<Answer> {
  const res = await fetch(`${keel.url}/api/v1/projects/${opts.project ?? slug}/routing/evaluate${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${opts.key ?? engineer}`, "content-type": opts.type ?? "application/x-ndjson" },
    body,
    duplex: "half",
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Answer["body"] };
}

/** The text as a stream of 64 KiB chunks: a chunked upload, no Content-Length. */
function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  });
}

/** A body whose first part goes out at once and the rest when `finish` is called: an upload in progress. */
function heldBody(first: string) {
  let finish: (rest: string) => void = () => {};
  const rest = new Promise<string>((resolve) => {
    finish = resolve;
  });
  const enc = new TextEncoder();
  let sent = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (!sent) {
        sent = true;
        return c.enqueue(enc.encode(first));
      }
      c.enqueue(enc.encode(await rest));
      c.close();
    },
  });
  return { stream, finish: (text: string) => finish(text) };
}

/** `keel router eval`'s JSON answer on the same file. */
async function cli(file: string, opts: Record<string, string>) {
  let out: { routers: unknown[]; skipped?: unknown[]; n_train: number } | null = null;
  await routerCommand("eval", { data: file, ...opts }, (_human, data) => {
    out = data as typeof out;
  });
  return out as unknown as { routers: unknown[]; skipped?: unknown[]; n_train: number; small_only: number; large_only: number };
}

const lines = (n: number) =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ prompt: `prompt ${i}`, small_quality: i % 2, large_quality: 1 }));

describe("POST /api/v1/projects/:p/routing/evaluate", () => {
  it("evaluates a 14,000-line file (over 2 MB) streamed in, without embeddings, under 60 s, as keel router eval does", async () => {
    const text = bigFile(14_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(2_000_000);
    const t0 = performance.now();
    const { status, body } = await post(streamOf(text), "?trainFrac=0.5&seed=1&embedding=none");
    const ms = performance.now() - t0;
    console.log(`router evaluation upload: 14,000 lines, ${(Buffer.byteLength(text) / 1e6).toFixed(2)} MB, ${Math.round(ms)} ms`);
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
    expect(ms).toBeLessThan(60_000);
    expect(body).toMatchObject({ n_train: 7000, n_test: 7000 });
    expect(body).not.toHaveProperty("scores");
    const routers = body.routers as Array<{ kind: string; apgr: number; cpt50: number; cpt80: number }>;
    expect(routers.map((r) => r.kind)).toEqual(["random", "length", "learned", "tfidf"]);
    // the kinds that need embeddings are named, with the reason
    expect((body.skipped as Array<{ kind: string }>).map((s) => s.kind)).toEqual(["knn", "mlp", "mf"]);
    for (const r of routers) expect(r.cpt50).toBeLessThanOrEqual(r.cpt80);
    const curves = body.curves as Array<{ kind: string; points: Array<{ share: number; pgr: number }> }>;
    expect(curves.map((c) => c.kind)).toEqual(routers.map((r) => r.kind));
    for (const c of curves) {
      expect(c.points.length).toBeLessThanOrEqual(101);
      expect(c.points[0]).toMatchObject({ share: 0, pgr: 0 });
      expect(c.points.at(-1)).toMatchObject({ share: 1, pgr: 1 });
    }
    // the same figures as the CLI on the same file (it evaluates on the calling thread)
    const file = path.join(tmp, "big.jsonl");
    fs.writeFileSync(file, text);
    const local = await cli(file, { "train-frac": "0.5", seed: "1", embedding: "none" });
    expect(routers).toEqual(local.routers);
    expect(body.skipped).toEqual(local.skipped);
    expect(body).toMatchObject({ small_only: local.small_only, large_only: local.large_only });
  }, 180_000);

  it("embeds with tiny-bert-embed by default: every router kind, the CLI's figures, learned above random", async () => {
    const { status, body } = await post(fs.readFileSync(FIXTURE, "utf8"));
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(200);
    expect(body).toMatchObject({ n_train: 200, n_test: 200, skipped: [] });
    const routers = body.routers as Array<{ kind: string; apgr: number }>;
    expect(routers.map((r) => r.kind)).toEqual(["random", "length", "learned", "tfidf", "knn", "mlp", "mf"]);
    const by = Object.fromEntries(routers.map((r) => [r.kind, r.apgr]));
    expect(by.learned).toBeGreaterThan(by.random ?? 1);
    const local = await cli(FIXTURE, { "train-frac": "0.5", seed: "1" });
    expect(routers).toEqual(local.routers);
  }, 180_000);

  it("answers a bad line with a 400 naming the line and what is wrong, also mid-upload", async () => {
    const head = lines(3).join("\n");
    const bad = async (text: string, query = "") => {
      const { status, body } = await post(text, query);
      expect(status, `accepted: ${text.slice(0, 80)}`).toBe(400);
      expect(body.error?.code).toBe("BAD_REQUEST");
      return body.error;
    };
    expect((await bad(`${head}\nnot json\n${lines(10).join("\n")}`))?.message).toMatch(/^line 4: invalid JSON/);
    expect(await bad(`${head}\n{"small_quality": 0, "large_quality": 1}\n`)).toMatchObject({
      message: "line 4: prompt: expected a string",
      field: "prompt",
    });
    expect(await bad(`${head}\n{"prompt": "p", "small_quality": "low", "large_quality": 1}\n`)).toMatchObject({
      message: "line 4: small_quality: expected a finite number",
      field: "small_quality",
    });
    expect(await bad(`${head}\n[1, 2]\n`)).toMatchObject({ message: "line 4: expected a JSON object" });
    expect(await bad(lines(5).join("\n"))).toMatchObject({ message: "data: need at least 10 labelled lines, got 5", field: "data" });
    expect(await bad("")).toMatchObject({ message: "data: need at least 10 labelled lines, got 0" });
    const flat = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `p${i}`, small_quality: 1, large_quality: 1 })).join("\n");
    expect((await bad(flat))?.message).toContain("no performance gap");
    // options: each names its field, before the file is read
    const ok = lines(20).join("\n");
    expect(await bad(ok, "?trainFrac=1")).toMatchObject({ field: "trainFrac", message: expect.stringContaining("between 0 and 1") });
    expect(await bad(ok, "?seed=1.5")).toMatchObject({ field: "seed" });
    expect(await bad(ok, "?seed=abc")).toMatchObject({ field: "seed" });
    expect(await bad(ok, "?embedding=gpt-4")).toMatchObject({
      field: "embedding",
      message: expect.stringContaining("tiny-bert-embed or none"),
    });
    expect((await bad(ok, "?trainfrac=0.5"))?.message).toContain("trainfrac");
    // a form post is refused, saying what to send
    const form = await post(ok, "", { type: "multipart/form-data; boundary=x" });
    expect(form.status).toBe(400);
    expect(form.body.error?.message).toContain("application/x-ndjson");

    // a bad line deep in a 3 MB upload: the answer arrives whole while the rest of the body is still coming
    const big = bigFile(14_000).split("\n");
    big[9000] = '{"prompt": "p", "small_quality": 1}';
    const mid = await post(streamOf(big.join("\n")), "?embedding=none");
    expect(mid).toMatchObject({ status: 400, body: { error: { message: "line 9001: large_quality: expected a finite number" } } });
  }, 120_000);

  it("needs the engineer role in the project: 401 without a key, 403 for a viewer, 404 elsewhere", async () => {
    const data = lines(20).join("\n");
    const anon = await fetch(`${keel.url}/api/v1/projects/${slug}/routing/evaluate`, { method: "POST", body: data });
    expect(anon.status).toBe(401);
    expect(await post(data, "", { key: viewer })).toMatchObject({ status: 403, body: { error: { code: "FORBIDDEN" } } });
    expect(await post(data, "", { project: otherSlug })).toMatchObject({ status: 404, body: { error: { code: "NOT_FOUND" } } });
  });

  it("refuses a body declared over 256 MiB with a 413 naming the limit, before reading it", async () => {
    const url = new URL(`${keel.url}/api/v1/projects/${slug}/routing/evaluate`);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const rq = http.request(
        url,
        {
          method: "POST",
          headers: {
            authorization: `Bearer ${engineer}`,
            "content-type": "application/x-ndjson",
            "content-length": String(300 * 1024 * 1024),
          },
        },
        (res) => {
          let body = "";
          res.on("data", (c: Buffer) => {
            body += c.toString("utf8");
          });
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body });
            rq.destroy();
          });
        },
      );
      rq.on("error", reject);
      rq.write(`${lines(10).join("\n")}\n`); // the rest never comes: the answer must not wait for it
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      message: expect.stringContaining("256 MiB (268435456 bytes)"),
    });
  });

  it("runs one evaluation per project (409) and two per server (429), the slot taken while the file uploads", async () => {
    const held = heldBody(`${lines(5).join("\n")}\n`);
    const first = post(held.stream, "?embedding=none");
    // once the held upload has the project's slot (probing with uploads instead could take it first)
    await waitFor("the held upload's slot", async () => evaluationRunning(projectId));
    const refused = await post(lines(12).join("\n"), "?embedding=none");
    expect(refused.status).toBe(409);
    expect(refused.body.error?.message).toMatch(/already running in this project/);

    // a second project's upload takes the other slot; a third project's is refused
    const two = await makeProject(d.db);
    const three = await makeProject(d.db);
    const twoKey = (await makeKey(d.db, two.project.id, two.owner.user.id, "engineer")).key;
    const threeKey = (await makeKey(d.db, three.project.id, three.owner.user.id, "engineer")).key;
    const held2 = heldBody(`${lines(5).join("\n")}\n`);
    const second = post(held2.stream, "?embedding=none", { key: twoKey, project: two.project.slug });
    await waitFor("the second held upload's slot", async () => evaluationRunning(two.project.id));
    const busy = await post(lines(12).join("\n"), "?embedding=none", { key: threeKey, project: three.project.slug });
    expect(busy.status).toBe(429);
    expect(busy.body.error?.message).toMatch(/2 router evaluations are running/);

    held.finish(`${lines(40).slice(5).join("\n")}\n`);
    held2.finish(`${lines(40).slice(5).join("\n")}\n`);
    expect(await first).toMatchObject({ status: 200, body: { n_train: 20, n_test: 20 } });
    expect(await second).toMatchObject({ status: 200, body: { n_train: 20 } });
    // the slots are free again
    expect((await post(lines(40).join("\n"), "?embedding=none")).status).toBe(200);
  }, 120_000);

  it("trains in a worker thread that owns the rows: the event loop keeps ticking, the web thread lets go of the prompts", async () => {
    // 4,000 lines and 128-dimensional vectors: the cross-validated training took about 4.7 s of the
    // web thread when it ran there
    const { runOffThread } = await import("../../server/routing/eval-pool");
    const rows = Array.from({ length: 4000 }, (_, i) => ({
      line: i,
      prompt: `prompt ${i} ${"x".repeat(i % 50)}`,
      small: (i * 7919) % 100 < 40 + (i % 50) ? 0 : 1,
      large: 1,
    }));
    const dim = 128;
    const vectors = new Float64Array(rows.length * dim).map((_, i) => Math.sin(i * 12.9898) % 1);
    const rowOf = Int32Array.from(rows, (_, i) => rows.length - 1 - i); // any order: handed out by prompt
    const job = { rows, trainFrac: 0.5, seed: 1, margin: 0, embeddingModel: "test", batchSize: 64, rowOf, vectors, dim };
    let lag = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      lag = Math.max(lag, now - last - 5);
      last = now;
    }, 5);
    const res = await runOffThread(job).finally(() => clearInterval(probe));
    console.log(`router evaluation of 4,000 lines in a worker: max event-loop lag ${Math.round(lag)} ms`);
    expect(res?.routers.map((r) => r.kind)).toEqual(["random", "length", "learned"]);
    expect(res?.n_train).toBe(2000);
    expect(lag).toBeLessThan(400);
    expect(rows).toHaveLength(0);
  }, 120_000);

  it("is in the OpenAPI document: the file as an NDJSON body, the options as query parameters, engineers up", () => {
    const doc = openApiDocument(ROUTE_TABLE) as {
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: { content: object } }>>;
    };
    const op = doc.paths["/api/v1/projects/{projectId}/routing/evaluate"]?.post as Record<string, unknown> & {
      parameters: Array<{ name: string; in: string }>;
      requestBody: { content: object };
    };
    expect(op).toBeTruthy();
    expect(Object.keys(op.requestBody.content)).toEqual(["application/x-ndjson"]);
    expect(op.parameters.filter((p) => p.in === "query").map((p) => p.name)).toEqual(["trainFrac", "seed", "margin", "embedding"]);
    expect(op["x-keel-role"]).toBe("engineer");
    expect(op["x-keel-body"]).toEqual({ request: "ndjson", response: "json" });
  });
});

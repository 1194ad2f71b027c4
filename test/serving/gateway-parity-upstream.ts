import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the recording upstream received. */
export interface Received {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

const send = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

/** How many inputs a prompt or embedding input holds (OpenAI's rule: a flat list of token ids is one). */
const count = (x: unknown) => (Array.isArray(x) && typeof x[0] !== "number" ? x.length : 1);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An OpenAI-compatible upstream on loopback that records every request body it gets, and answers
 * in OpenAI's shapes from what it was sent: `n` chat choices, one completion choice per prompt and
 * `n`, embeddings of the `dimensions` asked (floats or base64), the Responses API whole or streamed.
 * Model "fail-400" answers OpenAI's 400.
 */
export async function startRecordingUpstream() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      const path = (req.url ?? "").replace(/^\/v1/, "");
      received.push({ path, authorization: req.headers.authorization, body });
      if (body.model === "fail-400")
        return void send(res, 400, { error: { message: "bad tools", type: "invalid_request_error", param: "tools", code: null } });
      const n = typeof body.n === "number" ? body.n : 1;
      if (path === "/chat/completions") return void chat(res, body, n);
      if (path === "/completions") return void completion(res, body, n);
      if (path === "/embeddings") return void embeddings(res, body);
      if (path === "/responses") return void (body.stream === true ? responseStream(res) : send(res, 200, responseObject()));
      send(res, 404, { error: { message: `no route ${path}`, type: "invalid_request_error", param: null, code: null } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    received,
    /** the last body sent to `path` */
    last: (path: string) => [...received].reverse().find((r) => r.path === path)?.body,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function chat(res: ServerResponse, body: Record<string, unknown>, n: number) {
  const base = { id: "chatcmpl-r", created: 1, model: String(body.model) };
  if (body.stream !== true) {
    const choices = Array.from({ length: n }, (_, index) => ({
      index,
      message: { role: "assistant", content: `answer ${index}`, refusal: null },
      finish_reason: "stop",
      logprobs: null,
    }));
    return send(res, 200, {
      ...base,
      object: "chat.completion",
      choices,
      usage: { prompt_tokens: 10, completion_tokens: 2 * n, total_tokens: 10 + 2 * n },
    });
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`);
  for (let i = 0; i < n; i++) chunk([{ index: i, delta: { role: "assistant", content: `Hel${i}` }, finish_reason: null }]);
  await sleep(20);
  for (let i = 0; i < n; i++) chunk([{ index: i, delta: { content: "lo" }, finish_reason: "stop" }]);
  chunk([], { usage: { prompt_tokens: 7, completion_tokens: 2 * n, total_tokens: 7 + 2 * n } });
  res.end("data: [DONE]\n\n");
}

function completion(res: ServerResponse, body: Record<string, unknown>, n: number) {
  const total = count(body.prompt) * n;
  send(res, 200, {
    id: "cmpl-r",
    object: "text_completion",
    created: 1,
    model: String(body.model),
    choices: Array.from({ length: total }, (_, index) => ({ text: ` done ${index}`, index, finish_reason: "stop", logprobs: null })),
    usage: { prompt_tokens: 5, completion_tokens: total, total_tokens: 5 + total },
  });
}

function embeddings(res: ServerResponse, body: Record<string, unknown>) {
  const dims = typeof body.dimensions === "number" ? body.dimensions : 8;
  const vector = (i: number) => Array.from({ length: dims }, (_, k) => (i + 1) / (k + 1));
  send(res, 200, {
    object: "list",
    model: String(body.model),
    data: Array.from({ length: count(body.input) }, (_, index) => ({
      object: "embedding",
      index,
      embedding: body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector(index)).buffer).toString("base64") : vector(index),
    })),
    usage: { prompt_tokens: 4, total_tokens: 4 },
  });
}

const responseObject = () => ({
  id: "resp_1",
  object: "response",
  created_at: 1,
  status: "completed",
  model: "gpt-4o-mini",
  output: [
    {
      type: "message",
      id: "msg_1",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text: "Hi from responses", annotations: [] }],
    },
  ],
  usage: { input_tokens: 9, output_tokens: 4, total_tokens: 13 },
});

async function responseStream(res: ServerResponse) {
  res.writeHead(200, { "content-type": "text/event-stream" });
  let seq = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const done = responseObject();
  event("response.created", { response: { ...done, status: "in_progress", output: [], usage: null } });
  await sleep(20);
  event("response.output_text.delta", { item_id: "msg_1", output_index: 0, content_index: 0, delta: "Hi from " });
  event("response.output_text.delta", { item_id: "msg_1", output_index: 0, content_index: 0, delta: "a stream" });
  event("response.completed", { response: { ...done, usage: { input_tokens: 6, output_tokens: 3, total_tokens: 9 } } });
  res.end();
}

import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A tiny OpenAI-compatible server: `POST /v1/chat/completions` answers by `model`:
 * - "fail-400" / "fail-500": an OpenAI-style error
 * - stream: true: SSE chunks "Hel" "lo" " world" (30 ms apart), a usage chunk when
 *   stream_options.include_usage; "stream-tools" streams a tool call in pieces; "stream-broken"
 *   sends an error event mid-stream; "stream-slow" sends "Hel" then " tick" every 100 ms for 30 s,
 *   stopping (its model name in `cut`) when the client goes away first
 * - "tools": a completion with a tool call; anything else: "Paris." with usage 12/3
 * `GET /v1/models` lists one model (a non-chat method).
 */
export async function startFakeOpenAI() {
  const requests: Record<string, unknown>[] = [];
  /** the models whose stream the client cut before it ended */
  const cut: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && req.url === "/v1/models") {
        return void json(res, 200, { object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 0, owned_by: "test" }] });
      }
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") return void json(res, 404, { error: { message: "no route" } });
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
      requests.push(body);
      const model = String(body.model);
      if (model === "fail-400")
        return void json(res, 400, {
          error: { message: "temperature must be at most 2", type: "invalid_request_error", param: "temperature", code: null },
        });
      if (model === "fail-500") return void json(res, 500, { error: { message: "the model is on fire", type: "server_error" } });
      if (body.stream === true && model === "stream-slow") return void slowStream(res, model, cut);
      if (body.stream === true) return void stream(res, model, (body.stream_options as { include_usage?: boolean })?.include_usage);
      const message =
        model === "tools"
          ? {
              role: "assistant",
              content: null,
              tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }],
            }
          : { role: "assistant", content: "Paris.", refusal: null };
      json(res, 200, {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model: `${model}-2024-07-18`,
        choices: [{ index: 0, message, finish_reason: message.content ? "stop" : "tool_calls", logprobs: null }],
        usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    requests,
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stream(res: ServerResponse, model: string, includeUsage: boolean | undefined) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const base = { id: "chatcmpl-s", object: "chat.completion.chunk", created: 1, model: `${model}-2024-07-18` };
  const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    send({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
  await sleep(30); // so the first chunk comes measurably after the request started
  if (model === "stream-tools") {
    delta({
      role: "assistant",
      content: null,
      tool_calls: [{ index: 0, id: "call_9", type: "function", function: { name: "get_", arguments: "" } }],
    });
    delta({ tool_calls: [{ index: 0, function: { name: "weather", arguments: '{"city":' } }] });
    delta({ tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] });
    delta({}, "tool_calls");
  } else {
    delta({ role: "assistant", content: "Hel" });
    await sleep(30);
    delta({ content: "lo" });
    if (model === "stream-broken") {
      send({ error: { message: "upstream overloaded", type: "server_error" } });
      return void res.end();
    }
    await sleep(30);
    delta({ content: " world" });
    delta({}, "stop");
  }
  if (includeUsage) send({ ...base, choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } });
  res.end("data: [DONE]\n\n");
}

/** A stream that would take 30 s: a chunk every 100 ms until it ends or the client goes away. */
async function slowStream(res: ServerResponse, model: string, cut: string[]) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  let gone = false;
  res.once("close", () => {
    gone = !res.writableFinished;
    if (gone) cut.push(model);
  });
  const base = { id: "chatcmpl-slow", object: "chat.completion.chunk", created: 1, model: `${model}-2024-07-18` };
  const delta = (content: string) =>
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`);
  delta("Hel");
  for (let i = 0; i < 300 && !gone; i++) {
    await sleep(100);
    if (!gone) delta(" tick");
  }
  if (!gone) res.end("data: [DONE]\n\n");
}

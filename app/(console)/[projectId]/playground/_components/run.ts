import type { PlaygroundRequestIn } from "@/server/routing/inputs";

/** Where a router sent the call (its x-keel-* headers). */
export interface RouteShown {
  router: string;
  target: string | null;
  reason: string | null;
  cache: string | null;
}

/** One target's answer as it comes in; "stopped": the member stopped it, the text so far kept. */
export interface RunState {
  status: "running" | "done" | "error" | "stopped";
  text: string;
  traceId: string | null;
  route: RouteShown | null;
  usage: { prompt_tokens?: number; completion_tokens?: number } | null;
  /** ms from sending to the last byte, and to the first token (streams) */
  latencyMs: number | null;
  firstTokenMs: number | null;
  error: string | null;
  /** the field an error is about (`params.temperature`, `model`) */
  errorParam: string | null;
}

type Chunk = {
  choices?: { delta?: { content?: string | null }; message?: { content?: string | null }; text?: string }[];
  usage?: RunState["usage"];
  error?: { message?: string };
};

/** A choice's text: a chat chunk's delta, a chat answer's message, or a completion's text. */
const choiceText = (c: Chunk) => {
  const x = c.choices?.[0];
  return x?.delta?.content ?? x?.message?.content ?? x?.text ?? "";
};

function routeOf(h: Headers): RouteShown | null {
  const router = h.get("x-keel-router");
  if (!router) return null;
  const reason = h.get("x-keel-route-reason");
  return { router, target: h.get("x-keel-route-target"), reason: reason ? decodeURIComponent(reason) : null, cache: h.get("x-keel-cache") };
}

/**
 * One playground call (POST /api/v1/projects/:p/playground, the session cookie): the JSON answer, or
 * the SSE chunks read as they arrive, each one reported through `update`. Aborting `signal` stops it:
 * the fetch is aborted and the stream's reader cancelled, which closes the connection; the server
 * then stops the upstream call or the local generation and logs the cut call (gateway.test.ts).
 */
export async function runPlayground(
  projectSlug: string,
  request: PlaygroundRequestIn,
  update: (s: RunState) => void,
  signal?: AbortSignal,
): Promise<RunState> {
  const start = performance.now();
  let s: RunState = {
    status: "running",
    text: "",
    traceId: null,
    route: null,
    usage: null,
    latencyMs: null,
    firstTokenMs: null,
    error: null,
    errorParam: null,
  };
  const set = (patch: Partial<RunState>) => {
    s = { ...s, ...patch };
    update(s);
  };
  set({});
  try {
    const res = await fetch(`/api/v1/projects/${encodeURIComponent(projectSlug)}/playground`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
      signal,
    });
    set({ traceId: res.headers.get("x-keel-trace-id"), route: routeOf(res.headers) });
    const isStream = (res.headers.get("content-type") ?? "").startsWith("text/event-stream");
    if (!res.ok || !isStream || !res.body) {
      const body = (await res.json().catch(() => null)) as (Chunk & { error?: { message?: string; param?: string | null } }) | null;
      signal?.throwIfAborted(); // stopped while the answer was read: no empty "done"
      if (!res.ok || body?.error) {
        set({
          status: "error",
          error: body?.error?.message ?? `The server answered ${res.status}`,
          errorParam: body?.error?.param ?? null,
          latencyMs: performance.now() - start,
        });
        return s;
      }
      set({ status: "done", text: body ? choiceText(body) : "", usage: body?.usage ?? null, latencyMs: performance.now() - start });
      return s;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    // a stop mid-read: the pending read() rejects and the body is cancelled, not left open
    signal?.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
    let buffer = "";
    for (;;) {
      const { done, value } = await reader.read();
      // a cancelled reader ends the stream (done) rather than failing it: a stop, not a finished answer
      if (done) {
        signal?.throwIfAborted();
        break;
      }
      buffer += value;
      const events = buffer.split("\n\n");
      buffer = events.pop() ?? "";
      for (const event of events) {
        const data = event
          .split("\n")
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trim())
          .join("\n");
        if (!data || data === "[DONE]") continue;
        const chunk = JSON.parse(data) as Chunk;
        if (chunk.error) throw new Error(chunk.error.message ?? "The stream failed");
        const piece = choiceText(chunk);
        if (piece) set({ text: s.text + piece, firstTokenMs: s.firstTokenMs ?? performance.now() - start });
        if (chunk.usage) set({ usage: chunk.usage });
      }
    }
    set({ status: "done", latencyMs: performance.now() - start });
  } catch (err) {
    if (signal?.aborted) set({ status: "stopped", latencyMs: performance.now() - start });
    else set({ status: "error", error: err instanceof Error ? err.message : "The request failed", latencyMs: performance.now() - start });
  }
  return s;
}

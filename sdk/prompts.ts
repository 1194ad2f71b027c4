import { type ChatMessage, filler, type PromptVariables } from "./prompt-render.js";
import { refusalOf, reporter } from "./transport.js";

/**
 * Prompts fetched at run time (`GET /api/v1/prompts/{name}`), cached in memory as Langfuse's SDKs do:
 * fresh for `cacheTtlSeconds` (default 60, the server's max-age), then stale-while-revalidate: `get`
 * answers from the cache at once and one background request revalidates with `If-None-Match` (an
 * unchanged prompt costs a 304). A refresh that fails (Keel unreachable, 5xx, or any refusal) keeps the
 * last good version in service and goes to `onError`; only a first fetch, with nothing cached, rejects.
 */

export interface PromptsOptions {
  baseUrl: string;
  apiKey: string;
  /** seconds a fetched prompt is served without asking Keel (default 60; 0: every get waits for a revalidation) */
  cacheTtlSeconds?: number | undefined;
  /** per request, ms (default 30 s) */
  requestTimeoutMs?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
  /** a background refresh that failed, the cached version still served; default console.warn */
  onError?: ((err: KeelPromptError) => void) | undefined;
}

export class KeelPromptError extends Error {
  override readonly name = "KeelPromptError";
  constructor(
    message: string,
    /** HTTP status, when Keel answered */
    readonly status?: number,
    /** Keel's error code (`BAD_REQUEST`, `NOT_FOUND`, ...) */
    readonly code?: string,
    /** the input field Keel named */
    readonly field?: string,
  ) {
    super(message);
  }
}

interface PromptBase {
  name: string;
  version: number;
  /** model parameters and any JSON stored with the version */
  config: Record<string, unknown>;
  /** the labels pointing at this version (`latest` on the newest) */
  labels: string[];
  /** the prompt's tags (all its versions share them) */
  tags: string[];
  commitMessage: string | null;
}
export interface TextPrompt extends PromptBase {
  type: "text";
  prompt: string;
  /** The text with every `{{variable}}` filled; a missing or unknown variable throws a KeelPromptVariableError naming it. */
  compile(variables?: PromptVariables): string;
}
export interface ChatPrompt extends PromptBase {
  type: "chat";
  messages: ChatMessage[];
  /** The messages with every `{{variable}}` filled; a missing or unknown variable throws a KeelPromptVariableError naming it. */
  compile(variables?: PromptVariables): ChatMessage[];
}
export type KeelPrompt = TextPrompt | ChatPrompt;

export interface GetPromptOptions {
  /** a label (`production`, `staging`, `latest`, ...); neither label nor version: `production` */
  label?: string | undefined;
  version?: number | undefined;
  /** this call's freshness window, seconds (default: the client's) */
  cacheTtlSeconds?: number | undefined;
}

export interface CreatePromptInput {
  name: string;
  /** a text prompt, or `messages` for a chat prompt (exactly one) */
  prompt?: string | undefined;
  messages?: ChatMessage[] | undefined;
  config?: Record<string, unknown> | undefined;
  /** labels to point at the new version (a guarded label waits for approval: see `pending`) */
  labels?: string[] | undefined;
  /** given, they replace the prompt's tags (shared by all its versions); absent, the tags stay */
  tags?: string[] | undefined;
  commitMessage?: string | undefined;
}
export interface CreatedPrompt {
  name: string;
  version: number;
  labels: string[];
  /** the prompt's tags now */
  tags: string[];
  pending: { label: string; request: { id: string } }[];
}
export interface PromptSummary {
  name: string;
  latestVersion: number;
  labels: { label: string; version: number }[];
  tags: string[];
}
export type LabelMove =
  | { status: "moved" | "unchanged"; model: string; alias: string; version: number; previous: number | null }
  | { status: "pending"; model: string; alias: string; version: number; request: { id: string } };

export interface KeelPrompts {
  /** A prompt version, from the cache when fresh (see the module comment); rejects only when nothing is cached. */
  get(name: string, opts?: GetPromptOptions): Promise<KeelPrompt>;
  /** Create a prompt or its next version. */
  create(input: CreatePromptInput): Promise<CreatedPrompt>;
  /** Every prompt of the key's project, with its labels and tags; `tag` keeps those carrying it. */
  list(opts?: { tag?: string | undefined }): Promise<PromptSummary[]>;
  /** Replace a prompt's tags without a new version. */
  setTags(name: string, tags: string[]): Promise<{ name: string; tags: string[] }>;
  /** Point a label at a version (`pending` where an approval policy guards it; a failed eval gate rejects with status 412). */
  moveLabel(name: string, label: string, input: { version: number; reason?: string | undefined }): Promise<LabelMove>;
}

type Wire = Omit<TextPrompt, "compile"> | Omit<ChatPrompt, "compile">;
interface Entry {
  prompt: KeelPrompt;
  etag: string | null;
  fetchedAt: number;
  refreshing: Promise<void> | null;
}

function withCompile(w: Wire): KeelPrompt {
  const base = {
    name: w.name,
    version: w.version,
    config: w.config ?? {},
    labels: w.labels ?? [],
    tags: w.tags ?? [],
    commitMessage: w.commitMessage ?? null,
  };
  if (w.type === "chat") {
    const messages = w.messages;
    return {
      ...base,
      type: "chat",
      messages,
      compile: (vars = {}) => {
        const fill = filler(
          messages.map((m) => m.content),
          vars,
        );
        return messages.map((m) => ({ role: m.role, content: fill(m.content) }));
      },
    };
  }
  const text = w.prompt;
  return { ...base, type: "text", prompt: text, compile: (vars = {}) => filler([text], vars)(text) };
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new TypeError(`prompts: ${name} must be a non-negative number of seconds (got ${String(value)})`);
  return value;
}

export function createPromptsClient(options: PromptsOptions): KeelPrompts {
  const base = `${options.baseUrl.replace(/\/+$/, "")}/api/v1/prompts`;
  const defaultTtl = seconds(options.cacheTtlSeconds, 60, "cacheTtlSeconds");
  const timeout = options.requestTimeoutMs ?? 30_000;
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));
  const report = reporter(options.onError);
  const cache = new Map<string, Entry>();
  /** first fetches in flight: concurrent gets of an uncached prompt share one request */
  const first = new Map<string, Promise<Entry>>();

  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    try {
      return await doFetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error)?.message ?? String(err);
      throw new KeelPromptError(`Keel unreachable at ${options.baseUrl}: ${cause}`);
    }
  }
  async function refused(res: Response, what: string): Promise<KeelPromptError> {
    const r = await refusalOf(res);
    return new KeelPromptError(`${what}: ${r.message}`, res.status, r.code, r.field);
  }
  async function call<T>(method: string, path: string, what: string, body?: unknown): Promise<T> {
    const res = await send(method, path, body).catch((err: KeelPromptError) => {
      throw new KeelPromptError(`${what}: ${err.message}`);
    });
    if (!res.ok) throw await refused(res, what);
    return (await res.json()) as T;
  }

  /** One GET: a 304 keeps `entry`'s prompt, a 200 replaces it; anything else rejects naming the prompt. */
  async function fetchEntry(name: string, query: string, what: string, entry?: Entry): Promise<Entry> {
    const res = await send(
      "GET",
      `/${encodeURIComponent(name)}${query}`,
      undefined,
      entry?.etag ? { "if-none-match": entry.etag } : {},
    ).catch((err: KeelPromptError) => {
      throw new KeelPromptError(`${what}: ${err.message}`);
    });
    if (res.status === 304 && entry) return { ...entry, fetchedAt: Date.now(), refreshing: null };
    if (!res.ok) throw await refused(res, what);
    return { prompt: withCompile((await res.json()) as Wire), etag: res.headers.get("etag"), fetchedAt: Date.now(), refreshing: null };
  }

  return {
    async get(name, opts = {}) {
      if (typeof name !== "string" || name === "") throw new TypeError("prompts.get: give the prompt's name");
      if (opts.label !== undefined && opts.version !== undefined)
        throw new TypeError(`prompts.get(${name}): give label or version, not both`);
      const ttlMs = seconds(opts.cacheTtlSeconds, defaultTtl, "cacheTtlSeconds") * 1000;
      const ref = opts.version !== undefined ? `version ${opts.version}` : `label ${opts.label ?? "production"}`;
      const query = opts.version !== undefined ? `?version=${opts.version}` : `?label=${encodeURIComponent(opts.label ?? "production")}`;
      const key = `${name}\n${ref}`;
      const what = `prompt ${name} (${ref})`;
      const entry = cache.get(key);
      if (!entry) {
        let pending = first.get(key);
        if (!pending) {
          pending = fetchEntry(name, query, what).finally(() => first.delete(key));
          first.set(key, pending);
        }
        const made = await pending;
        cache.set(key, made);
        return made.prompt;
      }
      if (Date.now() - entry.fetchedAt < ttlMs) return entry.prompt;
      // one refresh at a time; a failed one leaves the entry stale, so the next get tries again
      entry.refreshing ??= fetchEntry(name, query, what, entry).then(
        (next) => void cache.set(key, next),
        (err: KeelPromptError) => {
          entry.refreshing = null;
          report(new KeelPromptError(`${err.message}; serving cached version ${entry.prompt.version}`, err.status, err.code, err.field));
        },
      );
      if (ttlMs === 0) await entry.refreshing;
      return (cache.get(key) ?? entry).prompt;
    },
    create: (input) => call<CreatedPrompt>("POST", "", `create prompt ${input?.name}`, input),
    async list(opts = {}) {
      const items: PromptSummary[] = [];
      const tag = opts.tag !== undefined ? `&tag=${encodeURIComponent(opts.tag)}` : "";
      let cursor: string | null = null;
      do {
        const q: string = `${cursor ? `?cursor=${encodeURIComponent(cursor)}&limit=200` : "?limit=200"}${tag}`;
        const page: { items: PromptSummary[]; nextCursor: string | null } = await call("GET", q, "list prompts");
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    },
    setTags: (name, tags) => call("PUT", `/${encodeURIComponent(name)}/tags`, `set tags of prompt ${name}`, { tags }),
    moveLabel: (name, label, input) =>
      call<LabelMove>(
        "PUT",
        `/${encodeURIComponent(name)}/labels/${encodeURIComponent(label)}`,
        `move label ${label} of prompt ${name}`,
        input,
      ),
  };
}

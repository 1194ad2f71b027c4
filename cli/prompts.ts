import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/client";
import type { ChatPrompt, CreatedPrompt, CreatePromptInput, LabelMove, PromptSummary, TextPrompt } from "../sdk/index";
import { DomainError, type ErrorCode } from "../server/core/errors";

/**
 * `keel prompts ...`: against a Keel's REST API with a secret key (--url, --key: the key's project, through
 * the SDK's prompts client), or on this machine's database as the system actor (--project SLUG), as
 * `keel eval run` does. Bad flags exit 2; a refusal (bad prompt, unknown name or label, a failed gate)
 * exits 1 naming what is wrong.
 */

export interface PromptsOptions {
  project?: string;
  url?: string;
  key?: string;
  name?: string;
  text?: string;
  file?: string;
  label?: string[];
  tag?: string[];
  version?: string;
  config?: string;
  reason?: string;
}
type Say = (human: string, data: unknown) => void;
interface Hooks {
  withDb: <T>(fn: (d: Database) => Promise<T>) => Promise<T>;
  usage: (message: string) => Error;
}

type PromptData = Omit<TextPrompt, "compile"> | Omit<ChatPrompt, "compile">;

/** What both modes do, with the SDK's shapes. */
interface PromptsApi {
  create(input: CreatePromptInput): Promise<CreatedPrompt>;
  get(name: string, ref: { label?: string; version?: number }): Promise<PromptData>;
  list(tag?: string): Promise<PromptSummary[]>;
  moveLabel(name: string, label: string, input: { version: number; reason?: string }): Promise<LabelMove>;
}

export async function promptsCommand(sub: string | undefined, args: string[], opts: PromptsOptions, say: Say, hooks: Hooks) {
  const { usage } = hooks;
  const arg = (i: number, what: string) => {
    const v = args[i];
    if (!v) throw usage(`missing ${what}`);
    return v;
  };
  const version = (flag: string | undefined, required: boolean): number | undefined => {
    if (flag === undefined) {
      if (required) throw usage("missing --version V");
      return undefined;
    }
    if (!/^[1-9]\d*$/.test(flag)) throw usage(`--version ${flag}: give a version number (1, 2, ...)`);
    return Number(flag);
  };
  const labels = opts.label ?? [];
  let run: (api: PromptsApi) => Promise<void>;
  switch (sub) {
    case "create": {
      const input = createInput(opts, usage);
      run = async (api) => {
        const r = await api.create(input);
        const waits = r.pending.map((p) => `; label ${p.label} waits for approval (request ${p.request.id})`).join("");
        say(`${r.name} version ${r.version} created${r.labels.length ? ` (labels: ${r.labels.join(", ")})` : ""}${waits}`, r);
      };
      break;
    }
    case "get": {
      const name = arg(0, "NAME");
      if (labels.length > 1) throw usage("give one --label");
      const v = version(opts.version, false);
      if (labels.length && v !== undefined) throw usage("give --label or --version, not both");
      run = async (api) => {
        const p = await api.get(name, v !== undefined ? { version: v } : labels[0] ? { label: labels[0] } : {});
        const body = p.type === "text" ? p.prompt : p.messages.map((m) => `[${m.role}] ${m.content}`).join("\n");
        const config = Object.keys(p.config).length ? `\nconfig: ${JSON.stringify(p.config)}` : "";
        const tags = p.tags?.length ? `; tags: ${p.tags.join(", ")}` : "";
        say(`${p.name} version ${p.version} (${p.type}; labels: ${p.labels.join(", ") || "none"}${tags})${config}\n\n${body}`, p);
      };
      break;
    }
    case "list": {
      if ((opts.tag?.length ?? 0) > 1) throw usage("give one --tag");
      const tag = opts.tag?.[0];
      run = async (api) => {
        const items = await api.list(tag);
        const line = (p: PromptSummary) =>
          `${p.name}  latest ${p.latestVersion}${p.labels.map((l) => `  ${l.label}=${l.version}`).join("")}${p.tags.length ? `  [${p.tags.join(", ")}]` : ""}`;
        say(items.length ? items.map(line).join("\n") : "no prompts", { items });
      };
      break;
    }
    case "label": {
      const name = arg(0, "NAME");
      const label = arg(1, "LABEL");
      const v = version(opts.version, true) as number;
      run = async (api) => {
        const r = await api.moveLabel(name, label, { version: v, ...(opts.reason ? { reason: opts.reason } : {}) });
        say(
          r.status === "pending"
            ? `${name}@${label} -> ${v} waits for approval (request ${r.request.id})`
            : `${name}@${label} -> version ${v} (${r.status})`,
          r,
        );
      };
      break;
    }
    default:
      throw usage(`unknown prompts command: ${sub ?? "(none)"}; try create, get, list or label`);
  }
  if (Boolean(opts.url) !== Boolean(opts.key)) throw usage("remote mode needs both --url URL and --key sk_...");
  if (opts.url) return run(await remote(opts.url, opts.key as string, opts.project, usage));
  if (!opts.project) throw usage("missing --project SLUG (or --url URL --key sk_... for a remote Keel)");
  const slug = opts.project;
  return hooks.withDb(async (d) => run(await local(d, slug, usage)));
}

/** --text, or --file: `.json` holds chat messages (an array) or `{"prompt"|"messages", "config"?}`, anything else is the text. */
function createInput(opts: PromptsOptions, usage: Hooks["usage"]): CreatePromptInput {
  if (!opts.name) throw usage("missing --name N");
  if ((opts.text === undefined) === (opts.file === undefined)) throw usage("give --text T or --file F.json|F.txt (one of them)");
  let config: Record<string, unknown> | undefined;
  if (opts.config !== undefined) {
    try {
      config = JSON.parse(opts.config);
    } catch (err) {
      throw usage(`--config: not JSON (${(err as Error).message})`);
    }
    if (!config || typeof config !== "object" || Array.isArray(config))
      throw usage('--config: give a JSON object, e.g. {"temperature":0.2}');
  }
  const input: CreatePromptInput = {
    name: opts.name,
    ...(opts.label?.length ? { labels: opts.label } : {}),
    // each --tag: the prompt's tags become these (absent: they stay)
    ...(opts.tag?.length ? { tags: opts.tag } : {}),
  };
  if (opts.text !== undefined) return { ...input, prompt: opts.text, ...(config ? { config } : {}) };
  const file = opts.file as string;
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw usage(`--file ${file}: no such file`);
  const content = fs.readFileSync(file, "utf8");
  if (path.extname(file).toLowerCase() !== ".json") return { ...input, prompt: content, ...(config ? { config } : {}) };
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch (err) {
    throw usage(`--file ${file}: not JSON (${(err as Error).message})`);
  }
  if (Array.isArray(json)) return { ...input, messages: json, ...(config ? { config } : {}) };
  const o = json as { prompt?: unknown; messages?: unknown; config?: unknown } | null;
  if (!o || typeof o !== "object" || (o.prompt === undefined && o.messages === undefined))
    throw usage(`--file ${file}: give an array of chat messages or an object with "prompt" or "messages"`);
  const merged = config ?? (o.config as Record<string, unknown> | undefined);
  return {
    ...input,
    ...(o.prompt !== undefined ? { prompt: o.prompt as string } : {}),
    ...(o.messages !== undefined ? { messages: o.messages as CreatePromptInput["messages"] } : {}),
    ...(merged ? { config: merged } : {}),
  };
}

/** A refusal as the CLI reports it: Keel's code, message and field, exit 1. */
function refusal(err: unknown): never {
  const e = err as { status?: number; code?: string; field?: string; message?: string };
  if (e?.status !== undefined) {
    const message = (e.message ?? "").replace(/^.*?: Keel answered \d+: /, "").replace(/ \(field [^)]*\)$/, "");
    throw new DomainError((e.code ?? "BAD_REQUEST") as ErrorCode, message, e.field);
  }
  throw err;
}

/** Over REST with the SDK's client: the key's project (--project, when given, must be it). */
async function remote(url: string, key: string, project: string | undefined, usage: Hooks["usage"]): Promise<PromptsApi> {
  if (!/^https?:\/\/[^/]/.test(url)) throw usage(`--url ${url}: give Keel's http:// or https:// URL`);
  const { createPromptsClient } = await import("../sdk/index");
  if (project) {
    const res = await fetch(`${url.replace(/\/+$/, "")}/api/v1/projects/${encodeURIComponent(project)}`, {
      headers: { authorization: `Bearer ${key}` },
    }).catch((err: Error & { cause?: Error }) => {
      throw new Error(`${url} cannot be reached: ${err.cause?.message ?? err.message}`);
    });
    if (res.status === 401) throw usage("--key: Keel refused the key (401)");
    if (!res.ok) throw usage(`--project ${project}: not the key's project (Keel answered ${res.status})`);
  }
  // a CLI run fetches once: no cache to keep
  const c = createPromptsClient({ baseUrl: url, apiKey: key, cacheTtlSeconds: 0 });
  return {
    create: (input) => c.create(input).catch(refusal),
    get: (name, ref) => c.get(name, ref).catch(refusal),
    list: (tag) => c.list(tag !== undefined ? { tag } : {}).catch(refusal),
    moveLabel: (name, label, input) => c.moveLabel(name, label, input).catch(refusal),
  };
}

/** On this machine's database, as the system actor; input checked by the API's own schema. */
async function local(d: Database, slug: string, usage: Hooks["usage"]): Promise<PromptsApi> {
  const [{ findProjectBySlug, SYSTEM_ACTOR }, registry] = await Promise.all([import("../server/workspace"), import("../server/registry")]);
  const { createPromptInput, promptLabel } = registry;
  const project = await findProjectBySlug(d.db, slug);
  if (!project) throw usage(`--project ${slug}: no project with that slug`);
  const pid = project.id;
  return {
    async create(input) {
      const parsed = createPromptInput.safeParse(input);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join(".") || undefined;
        // worded as the API's 400 words it
        throw new DomainError("BAD_REQUEST", `${field ? `${field}: ` : ""}${issue?.message ?? "invalid prompt"}`, field);
      }
      const r = await registry.createPrompt(d.db, SYSTEM_ACTOR, pid, parsed.data);
      return { ...r, pending: r.pending.map((p) => ({ label: p.label, request: { id: p.request.id } })) };
    },
    get: async (name, ref) => (await registry.getPrompt(d.db, pid, { name, ...ref })) as PromptData,
    async list(tag) {
      const items: PromptSummary[] = [];
      let cursor: string | undefined;
      const ok = tag !== undefined ? registry.promptTag.safeParse(tag) : undefined;
      if (ok && !ok.success) throw new DomainError("BAD_REQUEST", `tag: ${ok.error.issues[0]?.message}`, "tag");
      const filter = ok?.success ? { tag: ok.data } : {};
      do {
        const page = await registry.listPrompts(d.db, pid, { limit: 200, ...filter, ...(cursor ? { cursor } : {}) });
        items.push(...page.items.map((p) => ({ name: p.name, latestVersion: p.latestVersion, labels: p.labels, tags: p.tags })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return items;
    },
    async moveLabel(name, label, input) {
      const ok = promptLabel.safeParse(label);
      if (!ok.success) throw new DomainError("BAD_REQUEST", `label ${label}: ${ok.error.issues[0]?.message}`, "label");
      const r = await registry.movePromptLabel(d.db, SYSTEM_ACTOR, pid, { name, label, ...input });
      return r.status === "pending" ? { ...r, request: { id: r.request.id } } : r;
    },
  };
}

import type { RouterInputs } from "@/app/_lib/trpc";

/**
 * The explorer's filters as they live in the URL query string (shareable, and back/forward work).
 * Every value is kept as the text the user typed; `toApiFilter` turns it into the server's filter.
 */
export interface ExplorerQuery {
  q: string;
  range: RangeKey;
  status: "" | "ok" | "error";
  /** comma separated */
  model: string;
  /** comma separated; traces carrying all of them */
  tags: string;
  user: string;
  session: string;
  release: string;
  rated: "" | "yes" | "no";
  costMin: string;
  costMax: string;
  latencyMin: string;
  latencyMax: string;
  /** legacy (saved views, links): the trace's mean over every numeric and thumbs rating */
  ratingMin: string;
  ratingMax: string;
  /** per-score conditions, `;` separated: `name=label`, `name>=n`, `name<=n`, or `name` (rated on it) */
  scores: string;
  /** `by:dir` (`latency:asc`) or `score:name:dir`; blank = time, newest first */
  sort: string;
  /** the id of the prompt version the traces were made with (issue 20) */
  promptVersion: string;
  /** the id of the gateway secret key that made the calls (issue 20) */
  key: string;
}

export type ApiFilter = NonNullable<RouterInputs["logs"]["traces"]["list"]["filter"]>;

export const RANGES = [
  { key: "1h", label: "Last hour", ms: 3_600_000 },
  { key: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { key: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { key: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { key: "all", label: "All time", ms: null },
] as const;
export type RangeKey = (typeof RANGES)[number]["key"];

export const EMPTY_QUERY: ExplorerQuery = {
  q: "",
  range: "all",
  status: "",
  model: "",
  tags: "",
  user: "",
  session: "",
  release: "",
  rated: "",
  costMin: "",
  costMax: "",
  latencyMin: "",
  latencyMax: "",
  ratingMin: "",
  ratingMax: "",
  scores: "",
  sort: "",
  promptVersion: "",
  key: "",
};

const KEYS = Object.keys(EMPTY_QUERY) as (keyof ExplorerQuery)[];

const oneOf = <T extends string>(v: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.includes(v as T) ? (v as T) : fallback;

export function parseQuery(params: URLSearchParams): ExplorerQuery {
  const get = (k: string) => params.get(k)?.trim() ?? "";
  const text = Object.fromEntries(KEYS.map((k) => [k, get(k)])) as Record<keyof ExplorerQuery, string>;
  return {
    ...text,
    range: oneOf(
      params.get("range"),
      RANGES.map((r) => r.key),
      "all",
    ),
    status: oneOf(params.get("status"), ["", "ok", "error"], ""),
    rated: oneOf(params.get("rated"), ["", "yes", "no"], ""),
  };
}

/** Only what differs from the defaults, in a stable order, so equal views give equal strings. */
export function toQueryString(q: ExplorerQuery): string {
  const params = new URLSearchParams();
  for (const k of KEYS) {
    const v = q[k].trim();
    if (v && v !== EMPTY_QUERY[k]) params.set(k, v);
  }
  return params.toString();
}

const list = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/** A non-negative number, or undefined for blank or unusable text (the form flags those). */
export function amount(s: string): number | undefined {
  if (!s.trim()) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function invalidAmounts(q: ExplorerQuery): (keyof ExplorerQuery)[] {
  return (["costMin", "costMax", "latencyMin", "latencyMax", "ratingMin", "ratingMax"] as const).filter(
    (k) => q[k].trim() !== "" && amount(q[k]) === undefined,
  );
}

export interface ScoreCondition {
  name: string;
  label?: string;
  min?: number;
  max?: number;
}

/** `scores` as conditions; an unreadable part is dropped (as a mistyped URL filter is). */
export function parseScores(s: string): ScoreCondition[] {
  const out: ScoreCondition[] = [];
  for (const part of s
    .split(";")
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(.+?)(>=|<=|=)(.+)$/.exec(part);
    if (!m) {
      out.push({ name: part });
      continue;
    }
    const [, name = "", op, value = ""] = m;
    const n = Number(value);
    if (op === "=") out.push({ name: name.trim(), label: value.trim() });
    else if (Number.isFinite(n)) out.push(op === ">=" ? { name: name.trim(), min: n } : { name: name.trim(), max: n });
  }
  return out;
}

export function scoresString(cs: ScoreCondition[]): string {
  return cs
    .map((c) =>
      c.label !== undefined
        ? `${c.name}=${c.label}`
        : c.min !== undefined
          ? `${c.name}>=${c.min}`
          : c.max !== undefined
            ? `${c.name}<=${c.max}`
            : c.name,
    )
    .join(";");
}

/** Conditions on one name merged (min and max of one score are one server condition). */
function scoreFilters(s: string): ApiFilter["scores"] {
  const byName = new Map<string, ScoreCondition>();
  const out: ScoreCondition[] = [];
  for (const c of parseScores(s)) {
    const same = c.label === undefined ? byName.get(c.name) : undefined;
    if (same) Object.assign(same, c.min !== undefined ? { min: c.min } : c.max !== undefined ? { max: c.max } : {});
    else {
      const copy = { ...c };
      out.push(copy);
      if (c.label === undefined) byName.set(c.name, copy);
    }
  }
  return out.length ? out : undefined;
}

export type SortKey = "time" | "latency" | "cost" | "tokens" | `score:${string}`;
export interface ExplorerSort {
  key: SortKey;
  dir: "asc" | "desc";
}
export const DEFAULT_SORT: ExplorerSort = { key: "time", dir: "desc" };

export function parseSort(s: string): ExplorerSort {
  const i = s.lastIndexOf(":");
  const key = s.slice(0, i);
  const dir = s.slice(i + 1);
  if (i < 0 || (dir !== "asc" && dir !== "desc")) return DEFAULT_SORT;
  if (["time", "latency", "cost", "tokens"].includes(key) || (key.startsWith("score:") && key.length > 6))
    return { key: key as SortKey, dir };
  return DEFAULT_SORT;
}
export const sortString = (s: ExplorerSort) => (s.key === DEFAULT_SORT.key && s.dir === DEFAULT_SORT.dir ? "" : `${s.key}:${s.dir}`);

/** The server's sort input. */
export function toApiSort(s: ExplorerSort): NonNullable<RouterInputs["logs"]["traces"]["list"]["sort"]> {
  if (s.key.startsWith("score:")) return { by: "score", score: s.key.slice(6), dir: s.dir };
  return { by: s.key as "time" | "latency" | "cost" | "tokens", dir: s.dir };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The server's filter; `now` (ms) anchors relative time ranges. A prompt version that is not an id is dropped. */
export function toApiFilter(q: ExplorerQuery, now: number): ApiFilter {
  const range = RANGES.find((r) => r.key === q.range);
  const ms = (s: string) => {
    const n = amount(s);
    return n === undefined ? undefined : Math.round(n);
  };
  const f: ApiFilter = {
    from: range?.ms ? new Date(now - range.ms) : undefined,
    status: q.status || undefined,
    models: list(q.model).length ? list(q.model) : undefined,
    tags: list(q.tags).length ? list(q.tags) : undefined,
    userId: q.user || undefined,
    sessionId: q.session || undefined,
    release: q.release || undefined,
    hasRating: q.rated === "yes" ? true : q.rated === "no" ? false : undefined,
    costMin: amount(q.costMin),
    costMax: amount(q.costMax),
    latencyMinMs: ms(q.latencyMin),
    latencyMaxMs: ms(q.latencyMax),
    ratingMin: amount(q.ratingMin),
    ratingMax: amount(q.ratingMax),
    scores: scoreFilters(q.scores),
    search: q.q || undefined,
    promptVersionId: UUID.test(q.promptVersion) ? q.promptVersion : undefined,
    apiKeyId: UUID.test(q.key) ? q.key : undefined,
  };
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as ApiFilter;
}

/**
 * Human labels of the active filters, for the chips above the table; `promptVersionName` names the
 * prompt version ("qa v2"), `keyName` the gateway key ("ci (sk_3fA9x…)").
 */
export function activeFilters(
  q: ExplorerQuery,
  promptVersionName?: string,
  keyName?: string,
): { key: keyof ExplorerQuery; label: string }[] {
  const out: { key: keyof ExplorerQuery; label: string }[] = [];
  const add = (key: keyof ExplorerQuery, label: string) => {
    if (q[key] && q[key] !== EMPTY_QUERY[key]) out.push({ key, label });
  };
  add("q", `search: ${q.q}`);
  add("range", RANGES.find((r) => r.key === q.range)?.label ?? q.range);
  add("status", `status: ${q.status}`);
  add("model", `model: ${q.model}`);
  add("tags", `tags: ${q.tags}`);
  add("user", `user: ${q.user}`);
  add("session", `session: ${q.session}`);
  add("release", `release: ${q.release}`);
  add("rated", q.rated === "yes" ? "has rating" : "no rating");
  add("costMin", `cost ≥ $${q.costMin}`);
  add("costMax", `cost ≤ $${q.costMax}`);
  add("latencyMin", `latency ≥ ${q.latencyMin} ms`);
  add("latencyMax", `latency ≤ ${q.latencyMax} ms`);
  add("ratingMin", `rating ≥ ${q.ratingMin}`);
  add("ratingMax", `rating ≤ ${q.ratingMax}`);
  add("scores", parseScores(q.scores).map(scoreLabel).join(", "));
  add("promptVersion", `prompt: ${promptVersionName ?? q.promptVersion}`);
  add("key", `key: ${keyName ?? q.key}`);
  return out;
}

/** "sentiment = positive", "quality ≥ 4", "helpful" (rated on it). */
export function scoreLabel(c: ScoreCondition): string {
  if (c.label !== undefined) return `${c.name} = ${c.label}`;
  if (c.min !== undefined) return `${c.name} ≥ ${c.min}`;
  if (c.max !== undefined) return `${c.name} ≤ ${c.max}`;
  return `rated ${c.name}`;
}

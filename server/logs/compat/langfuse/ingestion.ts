import { and, eq, inArray } from "drizzle-orm";
import { type DbOrTx, schema } from "../../../../db/client";
import { findJsonProblem } from "../../../core/json-guard";
import { ingestCoalesced } from "../../coalesce";
import { entityId } from "../../contract";
import { promptRefOf } from "./otel-attributes";

/**
 * Langfuse's legacy ingestion API (`POST /api/public/ingestion`, what the `langfuse` v3 npm client and
 * the v2 Python SDK send): a batch of `{id, type, timestamp, body}` envelopes mapped onto Keel's ingest
 * events, ids kept as the client gave them. The answer is Langfuse's 207: `successes` and `errors`
 * by envelope id, each envelope on its own (a bad one is its own error; the rest are stored).
 *
 * What has no column of its own goes into metadata: a level other than DEFAULT (ERROR also marks the
 * observation as an error), version, environment, promptName/promptVersion, a usage counted in units
 * other than tokens. Metadata is merged key by key with what an id already had, as Langfuse does.
 */
export const LANGFUSE_EVENT_TYPES = [
  "trace-create",
  "span-create",
  "span-update",
  "generation-create",
  "generation-update",
  "event-create",
  "score-create",
  "observation-create",
  "observation-update",
  "sdk-log",
] as const;

export interface LangfuseIngestionResult {
  successes: { id: string; status: number }[];
  errors: { id: string; status: number; message: string; error: string }[];
}

type Obj = Record<string, unknown>;
interface KeelEvent {
  type: "trace" | "observation" | "rating";
  id?: string;
  body: Obj;
}
/** One envelope: its Keel event, null when it is accepted and not stored (`sdk-log`), or its error. */
interface Item {
  id: string;
  event: KeelEvent | null;
  error?: string;
}

/** A mapping failure: the envelope's 400, its message naming the field as Langfuse names it. */
class Refused extends Error {}

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** Langfuse's SDKs send `null` for what they leave unset: null is "not given", here as at Keel's ingest. */
const given = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** Python's SDKs may send a date-time without an offset: it is UTC. */
function time(v: unknown): unknown {
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)) return `${v}Z`;
  return v;
}

function num(v: unknown, field: string): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Refused(`body.${field}: expected a number`);
  return v;
}

/** The numbers of a usageDetails / costDetails map (nested objects, like OpenAI's `*_details`, are skipped). */
function numbers(v: unknown, field: string): Record<string, number> | undefined {
  if (v === null || v === undefined) return undefined;
  if (!isObj(v)) throw new Refused(`body.${field}: expected an object of numbers`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (isObj(x) || x === null) continue;
    out[k] = num(x, `${field}.${k}`) as number;
  }
  return out;
}

const sumOf = (m: Record<string, number>, keep: (k: string) => boolean): number | undefined => {
  const keys = Object.keys(m).filter(keep);
  return keys.length ? keys.reduce((s, k) => s + (m[k] as number), 0) : undefined;
};
// Langfuse's own keys (input, input_cached_tokens, output), OpenAI's (prompt_tokens, input_tokens),
// Anthropic's (cache_read_input_tokens): every count of input or output units
const INPUT_KEY = (k: string) => /input|^prompt/i.test(k) && !/total/i.test(k);
const OUTPUT_KEY = (k: string) => /output|^completion/i.test(k) && !/total/i.test(k);

/** Tokens and cost: `usageDetails` / `costDetails` first, else the older `usage` (Langfuse's or OpenAI's names). */
function usageOf(b: Obj): { usage?: { input?: number; output?: number }; cost?: number; otherUnits?: Obj } {
  let input: number | undefined;
  let output: number | undefined;
  let otherUnits: Obj | undefined;
  const details = numbers(b.usageDetails, "usageDetails");
  if (b.usage !== undefined && !isObj(b.usage)) throw new Refused("body.usage: expected an object");
  const u = b.usage ? given(b.usage as Obj) : undefined;
  if (details) {
    input = sumOf(details, INPUT_KEY);
    output = sumOf(details, OUTPUT_KEY);
  } else if (u && (u.unit === undefined || u.unit === "TOKENS")) {
    input = num(u.input ?? u.promptTokens, "usage.input");
    output = num(u.output ?? u.completionTokens, "usage.output");
  } else if (u) otherUnits = u; // characters, seconds, images...: not tokens, so not priced as tokens
  const costs = numbers(b.costDetails, "costDetails");
  let cost: number | undefined;
  if (costs) cost = costs.total ?? sumOf(costs, (k) => k !== "total");
  else if (u) {
    const parts = [num(u.inputCost, "usage.inputCost"), num(u.outputCost, "usage.outputCost")].filter((x) => x !== undefined);
    cost = num(u.totalCost, "usage.totalCost") ?? (parts.length ? parts.reduce((s, x) => s + x, 0) : undefined);
  }
  const usage = input === undefined && output === undefined ? undefined : given({ input, output });
  return { usage, cost, otherUnits };
}

const LEVELS = ["DEBUG", "DEFAULT", "WARNING", "ERROR"];
function levelOf(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !LEVELS.includes(v)) throw new Refused(`body.level: must be one of ${LEVELS.join(", ")}`);
  return v;
}

/** The client's metadata as an object (anything else under `metadata`), with the extras it does not set itself. */
function metadataOf(m: unknown, extras: Obj): Obj | undefined {
  const base: Obj = m === undefined ? {} : isObj(m) ? { ...m } : { metadata: m };
  for (const [k, v] of Object.entries(given(extras))) if (!(k in base)) base[k] = v;
  return Object.keys(base).length ? base : undefined;
}
const environmentOf = (v: unknown) => (v === "default" ? undefined : v);

function traceEvent(b: Obj, at: unknown): KeelEvent {
  return {
    type: "trace",
    id: b.id as string | undefined,
    body: given({
      timestamp: time(b.timestamp) ?? at,
      name: b.name,
      userId: b.userId,
      sessionId: b.sessionId,
      release: b.release,
      tags: b.tags,
      input: b.input,
      output: b.output,
      metadata: metadataOf(b.metadata, {
        version: b.version,
        environment: environmentOf(b.environment),
        public: b.public === true ? true : undefined,
      }),
    }),
  };
}

type Kind = "span" | "generation" | "event";

/** A create without a traceId is its own trace (Langfuse makes one); an update finds its trace later. */
function observationEvent(kind: Kind, b: Obj, at: unknown, update: boolean): KeelEvent {
  const level = levelOf(b.level);
  const { usage, cost, otherUnits } = usageOf(b);
  return {
    type: "observation",
    id: b.id as string | undefined,
    body: given({
      traceId: b.traceId ?? (update ? undefined : b.id),
      parentObservationId: b.parentObservationId,
      type: kind,
      name: b.name,
      startTime: time(b.startTime) ?? (update ? undefined : at),
      endTime: time(b.endTime),
      completionStartTime: time(b.completionStartTime),
      model: b.model,
      modelParameters: b.modelParameters,
      input: b.input,
      output: b.output,
      usage,
      cost,
      status: level === "ERROR" ? "error" : undefined,
      statusMessage: b.statusMessage,
      metadata: metadataOf(b.metadata, {
        level: level === "DEFAULT" ? undefined : level,
        version: b.version,
        environment: environmentOf(b.environment),
        promptName: b.promptName,
        promptVersion: b.promptVersion,
        usage: otherUnits,
      }),
      prompt: promptRefOf(b.promptName, b.promptVersion),
    }),
  };
}

const SCORE_TYPES = ["NUMERIC", "BOOLEAN", "CATEGORICAL"];
/** Langfuse's value as Keel's: a BOOLEAN score's 1/0 becomes true/false (Keel then stores it as a boolean rating). */
function scoreValue(b: Obj): unknown {
  const { dataType: type, value } = b;
  if (type !== undefined && !SCORE_TYPES.includes(type as string))
    throw new Refused(`body.dataType: must be one of ${SCORE_TYPES.join(", ")}`);
  if (type === "BOOLEAN") {
    if (value === 1 || value === 0 || typeof value === "boolean") return value === 1 || value === true;
    throw new Refused("body.value: a BOOLEAN score is 1 or 0");
  }
  if (type === "NUMERIC" && typeof value !== "number") throw new Refused("body.value: a NUMERIC score is a number");
  if (type === "CATEGORICAL" && typeof value !== "string") throw new Refused("body.value: a CATEGORICAL score is a string");
  return value;
}

function scoreEvent(b: Obj): KeelEvent {
  if (b.traceId === undefined)
    throw new Refused(
      b.sessionId !== undefined || b.datasetRunId !== undefined
        ? "body.traceId: Keel stores scores of traces and observations; a score of a session or dataset run needs a traceId"
        : "body.traceId: required",
    );
  return {
    type: "rating",
    id: b.id as string | undefined,
    body: given({ traceId: b.traceId, observationId: b.observationId, name: b.name, value: scoreValue(b), comment: b.comment }),
  };
}

const OBSERVATION_KINDS: Record<string, Kind> = { SPAN: "span", GENERATION: "generation", EVENT: "event" };

function keelEvent(type: string, b: Obj, at: unknown): KeelEvent {
  switch (type) {
    case "trace-create":
      return traceEvent(b, at);
    case "span-create":
    case "span-update":
      return observationEvent("span", b, at, type === "span-update");
    case "generation-create":
    case "generation-update":
      return observationEvent("generation", b, at, type === "generation-update");
    case "event-create":
      return observationEvent("event", b, at, false);
    case "observation-create":
    case "observation-update": {
      const kind = OBSERVATION_KINDS[b.type as string];
      if (!kind) throw new Refused("body.type: must be SPAN, GENERATION or EVENT");
      return observationEvent(kind, b, at, type === "observation-update");
    }
    case "score-create":
      return scoreEvent(b);
    default:
      throw new Refused(
        `type: Keel does not take ${JSON.stringify(type).slice(0, 60)} events; it takes ${LANGFUSE_EVENT_TYPES.join(", ")}`,
      );
  }
}

/** One envelope as an item; the envelope's id names it in the answer (its position where it has none). */
function itemOf(raw: unknown, i: number): Item {
  const fallback = `batch[${i}]`;
  if (!isObj(raw)) return { id: fallback, event: null, error: "event: expected an object {id, type, timestamp, body}" };
  const id = typeof raw.id === "string" && raw.id ? raw.id : fallback;
  if (typeof raw.type !== "string") return { id, event: null, error: `type: expected one of ${LANGFUSE_EVENT_TYPES.join(", ")}` };
  if (raw.type === "sdk-log") return { id, event: null };
  if (!isObj(raw.body)) return { id, event: null, error: "body: expected an object" };
  try {
    return { id, event: keelEvent(raw.type, given(raw.body), time(raw.timestamp) ?? undefined) };
  } catch (err) {
    if (err instanceof Refused) return { id, event: null, error: err.message };
    throw err;
  }
}

/** Ids safe to look up (an id Keel would refuse anyway is not sent to the database). */
const lookupable = (id: unknown): id is string => typeof id === "string" && entityId.safeParse(id).success && !findJsonProblem(id);

/** What is stored already for the batch's ids: observations' trace and metadata, traces' metadata. */
async function storedOf(db: DbOrTx, projectId: string, items: Item[]) {
  const ids = (type: KeelEvent["type"], need: (e: KeelEvent) => boolean) => [
    ...new Set(items.flatMap((it) => (it.event?.type === type && need(it.event) && lookupable(it.event.id) ? [it.event.id] : []))),
  ];
  const obsIds = ids("observation", (e) => e.body.traceId === undefined || e.body.metadata !== undefined);
  const traceIds = ids("trace", (e) => e.body.metadata !== undefined);
  const o = schema.observations;
  const t = schema.traces;
  const [observations, traces] = await Promise.all([
    obsIds.length
      ? db
          .select({ id: o.id, traceId: o.traceId, metadata: o.metadata })
          .from(o)
          .where(and(eq(o.projectId, projectId), inArray(o.id, obsIds)))
      : [],
    traceIds.length
      ? db
          .select({ id: t.id, metadata: t.metadata })
          .from(t)
          .where(and(eq(t.projectId, projectId), inArray(t.id, traceIds)))
      : [],
  ]);
  return {
    observations: new Map(observations.map((r) => [r.id, r])),
    traces: new Map(traces.map((r) => [r.id, r])),
  };
}

/**
 * In batch order: an update without a traceId takes its observation's (from this batch or as stored),
 * metadata is merged over what the id had (Keel's upsert would replace it whole), and a re-sent
 * trace keeps its earliest timestamp.
 */
async function completeFromStored(db: DbOrTx, projectId: string, items: Item[]): Promise<void> {
  const stored = await storedOf(db, projectId, items);
  const traceOf = new Map<string, string>();
  const mergedMetadata = new Map<string, Obj>();
  const earliest = new Map<string, string>();
  for (const it of items) {
    const e = it.event;
    if (!e || e.type === "rating" || e.id === undefined) continue;
    const before = e.type === "observation" ? stored.observations.get(e.id) : stored.traces.get(e.id);
    if (e.type === "trace") {
      // the v3 client's trace.update() re-sends trace-create stamped now: the trace keeps its first time
      // (across batches the upsert keeps the earlier one; within one, Keel's merge would take the later)
      const first = earliest.get(e.id);
      const mine = e.body.timestamp;
      if (typeof first === "string" && typeof mine === "string" && Date.parse(first) < Date.parse(mine)) e.body.timestamp = first;
      else if (typeof mine === "string") earliest.set(e.id, mine);
    }
    if (e.type === "observation") {
      if (typeof e.body.traceId === "string") traceOf.set(e.id, e.body.traceId);
      else {
        const traceId = traceOf.get(e.id) ?? (before && "traceId" in before ? before.traceId : undefined);
        if (!traceId) {
          it.event = null;
          it.error = "body.traceId: required (no observation with this id was created before)";
          continue;
        }
        e.body.traceId = traceId;
      }
    }
    if (isObj(e.body.metadata)) {
      const key = `${e.type}:${e.id}`;
      const earlier = mergedMetadata.get(key) ?? (isObj(before?.metadata) ? before.metadata : undefined);
      if (earlier) e.body.metadata = { ...earlier, ...e.body.metadata };
      mergedMetadata.set(key, e.body.metadata as Obj);
    }
  }
}

/**
 * Store a Langfuse batch for one project: one Keel ingest (a transaction; small batches of concurrent
 * clients are group-committed), then Langfuse's answer with a result per envelope.
 */
export async function ingestLangfuseBatch(db: DbOrTx, projectId: string, batch: unknown[]): Promise<LangfuseIngestionResult> {
  const items = batch.map(itemOf);
  await completeFromStored(db, projectId, items);
  const events = items.flatMap((it) => (it.event ? [it.event] : []));
  const results = events.length ? await ingestCoalesced(db, projectId, events, { source: "api" }) : [];
  const out: LangfuseIngestionResult = { successes: [], errors: [] };
  let j = 0;
  for (const it of items) {
    if (it.error) {
      out.errors.push({ id: it.id, status: 400, message: it.error, error: it.error });
      continue;
    }
    const r = it.event ? results[j++] : undefined;
    if (!r || r.status < 300) out.successes.push({ id: it.id, status: 201 });
    else out.errors.push({ id: it.id, status: r.status, message: r.error ?? "not stored", error: r.error ?? "not stored" });
  }
  return out;
}

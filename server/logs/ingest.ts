import { and, eq, inArray, sql } from "drizzle-orm";
import { type Db, type DbOrTx, schema } from "../../db/client";
import { uuidv7 } from "../core/ids";
import { findJsonProblem } from "../core/json-guard";
import { type TraceRowIn, upsertObservations, upsertTraces } from "./bulk";
import { type IngestEvent, type IngestResult, ingestEvent, type ObservationBody, type RatingBody, type TraceBody } from "./contract";
import { addKeySpend, spendCommitted } from "./key-spend";
import { listPrices, priceLookup } from "./prices";
import { resolvePromptRefs } from "./prompt-refs";
import { normalizeRating } from "./rating-values";
import { refreshRollups } from "./rollups";
import { loadRedactor } from "./settings";
import { markHoursDirty } from "./stats";

export type RatingSource = (typeof schema.ratings.$inferInsert)["source"];

export interface IngestOptions {
  source: RatingSource;
  /** The signed-in member behind `ui` ratings. */
  authorUserId?: string | null;
  /** The API key that sent the ratings (stored on them as `api_key_id`). */
  apiKeyId?: string | null;
  /**
   * A public (widget) key: it may create ratings and update only those it created for the same end
   * user; any other existing id is a 409. Secret keys and the console may update any rating.
   */
  ownRatingsOnly?: boolean;
  /**
   * The secret key of a gateway call: its traces get `api_key_id`, and its generations' requests,
   * tokens and cost (as priced here) are added to `key_spend` in the same transaction (issue 20).
   */
  spendKeyId?: string | null;
}

const issuePath = (path: PropertyKey[]) =>
  path
    .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
    .join("")
    .replace(/^\./, "");

/** Later events for the same id fill in or override earlier ones, field by field. */
function merge<T extends object>(a: T | undefined, b: T): T {
  if (!a) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) if (v !== undefined) out[k] = v;
  return out as T;
}

interface Pending<T> {
  id: string;
  body: T;
  indices: number[];
}

function group<T extends object>(events: { i: number; id: string; body: T }[]): Pending<T>[] {
  const byId = new Map<string, Pending<T>>();
  for (const e of events) {
    const p = byId.get(e.id);
    if (p) {
      p.body = merge(p.body, e.body);
      p.indices.push(e.i);
    } else byId.set(e.id, { id: e.id, body: e.body, indices: [e.i] });
  }
  return [...byId.values()];
}

/**
 * Store a batch of trace, observation and rating events for one project, in one transaction.
 * Each event gets a result in order: 201 stored, 400 invalid (with the JSON path), 404 a rating of
 * an unknown trace or observation. Re-sending an id upserts (idempotent). When this resolves, every
 * 201 is committed; when it throws, nothing of the batch was written.
 */
export async function ingestBatch(db: DbOrTx, projectId: string, batch: unknown[], opts: IngestOptions): Promise<IngestResult[]> {
  const results: IngestResult[] = batch.map(() => ({ id: null, status: 201 }));
  const valid: { i: number; event: IngestEvent; id: string }[] = [];
  batch.forEach((raw, i) => {
    const rawId = (raw as { id?: unknown } | null)?.id;
    // Keel's JSON rule, per event: a NUL, a lone surrogate, a 5,000-deep value or a 1e309 would
    // otherwise fail the whole transaction (PostgreSQL refuses them) or be stored as null.
    const problem = findJsonProblem(raw);
    if (problem) {
      results[i] = {
        id: typeof rawId === "string" && !findJsonProblem(rawId) ? rawId : null,
        status: 400,
        error: `${problem.path || "event"}: ${problem.message}`,
      };
      return;
    }
    const parsed = ingestEvent.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      results[i] = {
        id: typeof rawId === "string" ? rawId : null,
        status: 400,
        error: `${issuePath(issue?.path ?? []) || "event"}: ${issue?.message}`,
      };
      return;
    }
    const id = parsed.data.id ?? uuidv7();
    results[i] = { id, status: 201 };
    valid.push({ i, event: parsed.data, id });
  });
  await dropUnknownModelVersions(db, projectId, valid, results);
  const promptVersionOf = await resolvePromptRefs(db, projectId, valid, results);
  if (!valid.length) return results;

  const redact = await loadRedactor(db, projectId);
  const now = new Date();
  const traceEvents = group(
    valid.flatMap((v) => (v.event.type === "trace" ? [{ i: v.i, id: v.id, body: v.event.body as TraceBody }] : [])),
  );
  const obsEvents = group(
    valid.flatMap((v) => (v.event.type === "observation" ? [{ i: v.i, id: v.id, body: v.event.body as ObservationBody }] : [])),
  );
  const ratingEvents = group(
    valid.flatMap((v) => (v.event.type === "rating" ? [{ i: v.i, id: v.id, body: v.event.body as RatingBody }] : [])),
  );

  let spent = 0;
  await db.transaction(async (tx) => {
    // 0. Concurrent batches writing one trace (an OTel exporter or collector sends in parallel) would
    // each roll it up from a snapshot without the other's observations: a lock per trace, taken in
    // sorted order (no deadlock), makes the second wait and then read the first's rows.
    await lockTraces(tx, projectId, [
      ...traceEvents.map((e) => e.id),
      ...obsEvents.map((e) => e.body.traceId),
      ...ratingEvents.map((e) => e.body.traceId),
    ]);
    // 1. observations (they carry no foreign key to traces: an observation may come first)
    const cost = obsEvents.length ? priceLookup(await listPrices(tx, projectId)) : () => null;
    const obsRows = obsEvents.map(({ id, body: b }) => ({
      id,
      trace_id: b.traceId,
      parent_observation_id: b.parentObservationId,
      type: b.type,
      name: b.name,
      start_time: (b.startTime ?? now).toISOString(),
      end_time: b.endTime?.toISOString(),
      completion_start_time: b.completionStartTime?.toISOString(),
      model: b.model,
      provider: b.provider,
      model_parameters: b.modelParameters,
      input: redact(b.input),
      output: redact(b.output),
      input_tokens: b.usage?.input,
      output_tokens: b.usage?.output,
      cost: b.cost ?? (b.model && b.usage ? (cost(b.model, b.usage.input ?? 0, b.usage.output ?? 0) ?? undefined) : undefined),
      status: b.status,
      status_message: redact(b.statusMessage),
      metadata: redact(b.metadata),
    }));
    await upsertObservations(tx, projectId, obsRows);
    if (opts.spendKeyId) spent = await addKeySpend(tx, projectId, opts.spendKeyId, obsRows);
    // 2. traces, one write each, rollups included; a trace known only from its observations gets a stub
    const traceRows = new Map(
      traceEvents.map(({ id, body: b }) => [
        id,
        {
          id,
          timestamp: (b.timestamp ?? now).toISOString(),
          name: b.name,
          user_id: b.userId,
          session_id: b.sessionId,
          release: b.release,
          tags: b.tags,
          metadata: redact(b.metadata),
          input: redact(b.input),
          output: redact(b.output),
          model_version_id: b.modelVersionId,
          prompt_version_id: b.promptVersionId,
          api_key_id: opts.spendKeyId ?? undefined,
          route_decision: b.routeDecision,
        } as TraceRowIn,
      ]),
    );
    for (const { body } of obsEvents) {
      const start = (body.startTime ?? now).toISOString();
      const row = traceRows.get(body.traceId);
      if (!row) traceRows.set(body.traceId, { id: body.traceId, timestamp: start });
      else if (start < row.timestamp && !traceEvents.some((e) => e.id === body.traceId && e.body.timestamp)) row.timestamp = start;
      // a generation that names a prompt links its trace, unless the trace names one itself
      const promptVersionId = promptVersionOf(body.prompt);
      const t = traceRows.get(body.traceId) as TraceRowIn;
      if (promptVersionId && !t.prompt_version_id) t.prompt_version_id = promptVersionId;
    }
    const hours = await upsertTraces(tx, projectId, [...traceRows.values()], now);

    // 3. ratings, then the rating rollups of the traces they touched
    const touched = new Set<string>();
    if (ratingEvents.length) {
      const stored = await ratingRows(tx, projectId, ratingEvents, results, opts);
      const r = schema.ratings;
      if (stored.length) {
        const written = await tx
          .insert(r)
          // one time for the whole batch (the column's clock_timestamp() default can cross a millisecond
          // between rows of one insert), so readers that order by time then name see a batch in name order
          .values(stored.map((row) => ({ ...row, createdAt: sql`date_trunc('milliseconds', now())` })))
          .onConflictDoUpdate({
            target: [r.projectId, r.id],
            // checked in the upsert itself, so a console write between a check and this one can't be lost
            setWhere: opts.ownRatingsOnly
              ? sql`${r.apiKeyId} IS NOT DISTINCT FROM excluded."api_key_id" AND ${r.endUserId} IS NOT DISTINCT FROM excluded."end_user_id"`
              : undefined,
            set: {
              observationId: sql`excluded."observation_id"`,
              configId: sql`excluded."config_id"`,
              name: sql`excluded."name"`,
              dataType: sql`excluded."data_type"`,
              value: sql`excluded."value"`,
              stringValue: sql`excluded."string_value"`,
              comment: sql`excluded."comment"`,
              source: sql`excluded."source"`,
              authorUserId: sql`excluded."author_user_id"`,
              endUserId: sql`excluded."end_user_id"`,
              apiKeyId: sql`excluded."api_key_id"`,
            },
          })
          .returning({ id: r.id });
        const ok = new Set(written.map((w) => w.id));
        for (const row of stored) {
          if (ok.has(row.id)) touched.add(row.traceId);
          else
            for (const e of ratingEvents)
              if (e.id === row.id)
                for (const i of e.indices)
                  results[i] = {
                    id: e.id,
                    status: 409,
                    error: `id: rating ${e.id} exists and was not created by this key for this end user`,
                  };
        }
      }
    }
    hours.push(...(await refreshRollups(tx, projectId, [...touched])));
    await markHoursDirty(tx, projectId, hours);
  });
  if (opts.spendKeyId && spent > 0) spendCommitted(opts.spendKeyId, spent);
  return results;

  /** Rating rows that pass: the trace (and observation) exist in this project, the value fits its config. */
  async function ratingRows(
    tx: Parameters<Parameters<Db["transaction"]>[0]>[0],
    pid: string,
    events: Pending<RatingBody>[],
    out: IngestResult[],
    o: IngestOptions,
  ) {
    const fail = (e: Pending<RatingBody>, status: number, error: string) => {
      for (const i of e.indices) out[i] = { id: e.id, status, error };
    };
    const traceIds = [...new Set(events.map((e) => e.body.traceId))];
    const known = new Set(
      (
        await tx
          .select({ id: schema.traces.id })
          .from(schema.traces)
          .where(and(eq(schema.traces.projectId, pid), inArray(schema.traces.id, traceIds)))
      ).map((r) => r.id),
    );
    const obsIds = [...new Set(events.flatMap((e) => (e.body.observationId ? [e.body.observationId] : [])))];
    const obsTrace = new Map(
      obsIds.length
        ? (
            await tx
              .select({ id: schema.observations.id, traceId: schema.observations.traceId })
              .from(schema.observations)
              .where(and(eq(schema.observations.projectId, pid), inArray(schema.observations.id, obsIds)))
          ).map((r) => [r.id, r.traceId])
        : [],
    );
    const names = [...new Set(events.map((e) => e.body.name))];
    const configs = new Map(
      (
        await tx
          .select()
          .from(schema.scoreConfigs)
          .where(and(eq(schema.scoreConfigs.projectId, pid), inArray(schema.scoreConfigs.name, names)))
      ).map((c) => [c.name, c]),
    );
    const rows: (typeof schema.ratings.$inferInsert)[] = [];
    for (const e of events) {
      const b = e.body;
      if (!known.has(b.traceId)) {
        fail(e, 404, `traceId: trace ${b.traceId} not found`);
        continue;
      }
      if (b.observationId && obsTrace.get(b.observationId) !== b.traceId) {
        fail(e, 404, `observationId: observation ${b.observationId} not found in trace ${b.traceId}`);
        continue;
      }
      const v = normalizeRating(b.value, configs.get(b.name));
      if (!v.ok) {
        fail(e, 400, v.error);
        continue;
      }
      rows.push({
        projectId: pid,
        id: e.id,
        traceId: b.traceId,
        observationId: b.observationId ?? null,
        configId: v.configId,
        name: b.name,
        dataType: v.dataType,
        value: v.value,
        stringValue: v.stringValue,
        comment: (redact(b.comment) as string | undefined) ?? null,
        source: o.source,
        authorUserId: o.authorUserId ?? null,
        endUserId: b.endUserId ?? null,
        apiKeyId: o.apiKeyId ?? null,
      });
    }
    return rows;
  }
}

/**
 * A trace's `modelVersionId` must name a model version of this project: one query per batch. The
 * events naming another project's version (or none at all) become 400s and leave `valid`.
 */
async function dropUnknownModelVersions(
  db: DbOrTx,
  projectId: string,
  valid: { i: number; event: IngestEvent; id: string }[],
  results: IngestResult[],
): Promise<void> {
  const versionOf = (e: IngestEvent) => (e.type === "trace" ? (e.body as TraceBody).modelVersionId : undefined);
  const wanted = [...new Set(valid.flatMap((v) => versionOf(v.event) ?? []))];
  if (!wanted.length) return;
  const mv = schema.modelVersions;
  const known = new Set(
    (
      await db
        .select({ id: mv.id })
        .from(mv)
        .where(and(eq(mv.projectId, projectId), inArray(mv.id, wanted)))
    ).map((r) => r.id),
  );
  for (let k = valid.length - 1; k >= 0; k--) {
    const v = valid[k] as (typeof valid)[number];
    const version = versionOf(v.event);
    if (version === undefined || known.has(version)) continue;
    results[v.i] = { id: v.id, status: 400, error: `body.modelVersionId: model version ${version} not found in this project` };
    valid.splice(k, 1);
  }
}

/** Transaction-scoped advisory locks on the traces a batch writes, in one sorted statement. */
async function lockTraces(tx: DbOrTx, projectId: string, traceIds: string[]): Promise<void> {
  const ids = [...new Set(traceIds)].sort();
  if (!ids.length) return;
  // unnest keeps the array's (sorted) order; the key is the project and trace id hashed to 64 bits
  await tx.execute(sql`
    SELECT pg_advisory_xact_lock(hashtextextended(${projectId} || ':' || id, 0))
    FROM unnest(${sql.raw("ARRAY[")}${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )}${sql.raw("]::text[]")}) WITH ORDINALITY AS t(id, n)`);
}

import { and, eq, inArray, or, sql } from "drizzle-orm";
import { type DbOrTx, schema } from "../../db/client";
import type { IngestEvent, IngestResult, ObservationBody, TraceBody } from "./contract";

/**
 * The prompt version a trace records (issue 20). A trace names it by `promptVersionId` or by
 * `prompt: {name, version}`; an observation may name it by `prompt` (Langfuse puts promptName and
 * promptVersion on the generation), which links the observation's trace. One query per kind of
 * reference per batch, like model versions; a trace's unknown reference is that event's 400 (an id)
 * or 404 (a name and version), and the rest of the batch is stored. An observation's unknown prompt
 * links nothing and is no error: Langfuse's clients send the names of prompts Keel may not hold,
 * and the reference stays in the observation's metadata.
 */

type Valid = { i: number; event: IngestEvent; id: string }[];
type Ref = { name: string; version: number };

const refKey = (r: Ref) => `${r.version}:${r.name}`;
const m = schema.registeredModels;
const v = schema.modelVersions;

/**
 * Sets each kept trace event's `promptVersionId` from its `prompt`, drops the trace events whose
 * reference is unknown (their results become the error), and returns the ids of the observations'
 * prompts that exist, by `refKey`, for `promptVersionOf`.
 */
export async function resolvePromptRefs(db: DbOrTx, projectId: string, valid: Valid, results: IngestResult[]) {
  const traceBody = (e: IngestEvent) => (e.type === "trace" ? (e.body as TraceBody) : undefined);
  const refs = new Map<string, Ref>();
  const ids = new Set<string>();
  for (const { event } of valid) {
    const ref = event.type === "rating" ? undefined : (event.body as TraceBody | ObservationBody).prompt;
    if (ref) refs.set(refKey(ref), ref);
    const id = traceBody(event)?.promptVersionId;
    if (id) ids.add(id);
  }
  const found = new Map<string, string>();
  if (refs.size)
    for (const r of await db
      .select({ id: v.id, name: m.name, version: v.version })
      .from(v)
      .innerJoin(m, eq(m.id, v.modelId))
      .where(
        and(
          eq(m.projectId, projectId),
          eq(m.kind, "prompt"),
          or(...[...refs.values()].map((r) => sql`(${m.name}, ${v.version}) = (${r.name}::text, ${r.version}::int)`)),
        ),
      ))
      found.set(refKey(r), r.id);
  const knownIds = new Set<string>();
  if (ids.size)
    for (const r of await db
      .select({ id: v.id })
      .from(v)
      .innerJoin(m, eq(m.id, v.modelId))
      .where(and(eq(v.projectId, projectId), eq(m.kind, "prompt"), inArray(v.id, [...ids]))))
      knownIds.add(r.id);

  for (let k = valid.length - 1; k >= 0; k--) {
    const e = valid[k] as Valid[number];
    const b = traceBody(e.event);
    if (!b || (!b.prompt && !b.promptVersionId)) continue;
    const fail = (status: number, error: string) => {
      results[e.i] = { id: e.id, status, error };
      valid.splice(k, 1);
    };
    if (b.prompt && b.promptVersionId) fail(400, "body.prompt: give promptVersionId or prompt, not both");
    else if (b.promptVersionId && !knownIds.has(b.promptVersionId))
      fail(400, `body.promptVersionId: prompt version ${b.promptVersionId} not found in this project`);
    else if (b.prompt) {
      const id = found.get(refKey(b.prompt));
      if (id) b.promptVersionId = id;
      else fail(404, `body.prompt: version ${b.prompt.version} of prompt ${b.prompt.name} not found in this project`);
    }
  }
  return (ref: Ref | undefined) => (ref ? found.get(refKey(ref)) : undefined);
}

import type { IngestEvent, ObservationBody, ObservationType, TraceBody } from "./types.js";
import { uuidv7 } from "./uuid.js";

/** A new trace: its fields, and optionally your own id (else a uuidv7). */
export type TraceInput = TraceBody & { id?: string | undefined };
/** A new observation: traceId, type and parent come from the handle it is created from. */
export type ObservationInput = Omit<ObservationBody, "traceId" | "type" | "parentObservationId"> & { id?: string | undefined };
/** Fields to fill in later (output, usage, endTime...); given fields override, absent ones are kept. */
export type ObservationUpdate = Omit<ObservationBody, "traceId" | "type" | "parentObservationId">;

export interface RatingInput {
  /** your own id (else a uuidv7): re-sending it updates the rating */
  id?: string | undefined;
  /** the score config's name; the server defaults it to "user-feedback" */
  name?: string | undefined;
  value: number | string | boolean;
  comment?: string | undefined;
  endUserId?: string | undefined;
}

interface Children {
  generation(body?: ObservationInput): ObservationHandle;
  span(body?: ObservationInput): ObservationHandle;
  event(body?: ObservationInput): ObservationHandle;
  /** Rate the trace (or this observation, on an observation handle); returns the rating's id. */
  rate(rating: RatingInput): string;
}

export interface TraceHandle extends Children {
  readonly id: string;
  /** Send more fields of this trace (e.g. its output); returns the same handle. */
  update(body: TraceBody): TraceHandle;
}

export interface ObservationHandle extends Children {
  readonly id: string;
  readonly traceId: string;
  readonly type: ObservationType;
  update(body: ObservationUpdate): ObservationHandle;
  /** Sets endTime to now unless given, with any other fields (output, usage, status...). */
  end(body?: ObservationUpdate): ObservationHandle;
}

export interface HandleContext {
  enqueue(event: IngestEvent): string;
  /** Reports a caught exception: handle methods never throw into the app. */
  fail(err: unknown): void;
  release?: string | undefined;
}

const now = () => new Date().toISOString();

function guard<T>(ctx: HandleContext, fn: () => T, fallback: () => T): T {
  try {
    return fn();
  } catch (err) {
    ctx.fail(err);
    return fallback();
  }
}

function children(ctx: HandleContext, traceId: string, parentObservationId: string | undefined): Children {
  const create = (type: ObservationType) => (body?: ObservationInput) =>
    guard(
      ctx,
      () => {
        const { id: given, ...rest } = body ?? {};
        const id = given ?? uuidv7();
        ctx.enqueue({ type: "observation", id, body: { traceId, parentObservationId, type, startTime: now(), ...rest } });
        return observationHandle(ctx, id, traceId, type);
      },
      () => observationHandle(ctx, uuidv7(), traceId, type),
    );
  return {
    generation: create("generation"),
    span: create("span"),
    event: create("event"),
    rate: (rating) =>
      guard(
        ctx,
        () => {
          const { id: given, ...rest } = rating;
          return ctx.enqueue({
            type: "rating",
            id: given ?? uuidv7(),
            body: { traceId, ...(parentObservationId ? { observationId: parentObservationId } : {}), ...rest },
          });
        },
        () => "",
      ),
  };
}

export function traceHandle(ctx: HandleContext, input?: TraceInput): TraceHandle {
  return guard(
    ctx,
    () => {
      const { id: given, ...rest } = input ?? {};
      const id = given ?? uuidv7();
      ctx.enqueue({ type: "trace", id, body: { timestamp: now(), ...(ctx.release ? { release: ctx.release } : {}), ...rest } });
      return makeTraceHandle(ctx, id);
    },
    () => makeTraceHandle(ctx, uuidv7()),
  );
}

function makeTraceHandle(ctx: HandleContext, id: string): TraceHandle {
  const handle: TraceHandle = {
    id,
    update: (body) => {
      guard(
        ctx,
        () => ctx.enqueue({ type: "trace", id, body: { ...body } }),
        () => "",
      );
      return handle;
    },
    ...children(ctx, id, undefined),
  };
  return handle;
}

function observationHandle(ctx: HandleContext, id: string, traceId: string, type: ObservationType): ObservationHandle {
  const send = (body: ObservationUpdate) =>
    guard(
      ctx,
      () => ctx.enqueue({ type: "observation", id, body: { ...body, traceId, type } }),
      () => "",
    );
  const handle: ObservationHandle = {
    id,
    traceId,
    type,
    update: (body) => {
      send(body);
      return handle;
    },
    end: (body) => {
      send({ ...body, endTime: body?.endTime ?? now() });
      return handle;
    },
    ...children(ctx, traceId, id),
  };
  return handle;
}

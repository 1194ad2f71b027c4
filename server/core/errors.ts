import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";
import type { z } from "zod";

/** The error codes services may throw; each maps to one tRPC code and one HTTP status. */
export const ERROR_CODES = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Partial<Record<TRPC_ERROR_CODE_KEY, number>>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type services throw. `field` names the offending input field, when there is one. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** structured detail for the client (e.g. the failed gate's figures) */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what: string) => new DomainError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "Your role does not allow this") => new DomainError("FORBIDDEN", message);

/** Postgres unique violation (23505) on the given constraint. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  let e: unknown = err;
  // drizzle wraps driver errors in `cause`
  while (e && typeof e === "object") {
    const pg = e as { code?: string; constraint_name?: string; constraint?: string; cause?: unknown };
    if (pg.code === "23505") return !constraint || (pg.constraint_name ?? pg.constraint) === constraint;
    e = pg.cause;
  }
  return false;
}

/** Seconds a client is told to wait (`Retry-After`) while the database is unavailable. */
export const RETRY_AFTER_S = 2;

// Connection-level failures (node and postgres.js codes) and PostgreSQL's SQLSTATEs for a server that
// is shutting down, restarting or unreachable (class 08 connection exceptions, 57P01-57P03).
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
]);

/**
 * The database cannot be reached (down, restarting, shutting down): the request may succeed if
 * retried, so it is a 503 with Retry-After, never a 500. Looks through `cause` (drizzle wraps driver
 * errors) and AggregateError (node's connect to several addresses).
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && typeof e === "object" && depth < 8; depth++) {
    const x = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof x.code === "string" && UNAVAILABLE_CODES.has(x.code)) return true;
    if (e instanceof DomainError) return e.code === "SERVICE_UNAVAILABLE";
    // node-postgres (graphile-worker's pool) says it in words only
    if (typeof x.message === "string" && /^Connection terminated( unexpectedly|due to connection timeout)?$/.test(x.message)) return true;
    if (Array.isArray(x.errors) && x.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    e = x.cause;
  }
  return false;
}

export const databaseUnavailable = () =>
  new DomainError("SERVICE_UNAVAILABLE", `The database is unavailable; retry in ${RETRY_AFTER_S} seconds`);

/**
 * Validate input with a schema; the first issue becomes a 400 naming its field (under `prefix`,
 * e.g. "meta" or "config", when the value is one part of a request).
 */
export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const res = schema.safeParse(value);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".") || undefined;
  throw new DomainError("BAD_REQUEST", `${field ? `${field}: ` : ""}${issue?.message ?? "invalid input"}`, field);
}

import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { DomainError, databaseUnavailable, isDatabaseUnavailable } from "../core/errors";

/** The public shape of an error, for tRPC's formatter and the HTTP API alike. */
export interface ErrorBody {
  code: string;
  message: string;
  field?: string;
  details?: unknown;
}

interface Issue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

const pathOf = (i: Issue) => (i.path ?? []).map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".");

/** Input validation failures carry the schema's issues (zod or any standard schema). */
function issuesOf(err: unknown): Issue[] | null {
  const issues = (err as { issues?: unknown })?.issues;
  return Array.isArray(issues) && issues.length ? (issues as Issue[]) : null;
}

export function toTRPCError(err: unknown): TRPCError {
  // a database that is down or restarting is a 503 (with Retry-After), whoever wrapped the error
  if (!(err instanceof DomainError) && isDatabaseUnavailable(err instanceof TRPCError ? err.cause : err)) {
    const cause = databaseUnavailable();
    return new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  if (err instanceof TRPCError) return err;
  if (err instanceof DomainError) return new TRPCError({ code: err.code, message: err.message, cause: err });
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error", cause: err instanceof Error ? err : undefined });
}

/** Describe any error for a client; 5xx details stay in the server log only. */
export function describeError(e: unknown): { status: number; body: ErrorBody } {
  const err = toTRPCError(e);
  const status = getHTTPStatusCodeFromError(err);
  // 503 says what it is (the client should retry); other 5xx hide their detail
  if (status === 503) return { status, body: { code: "SERVICE_UNAVAILABLE", message: err.message } };
  if (status >= 500) return { status, body: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" } };
  const body: ErrorBody = { code: err.code, message: err.message };
  const cause = err.cause;
  if (cause instanceof DomainError) {
    if (cause.field) body.field = cause.field;
    if (cause.details !== undefined) body.details = cause.details;
  } else {
    const issues = issuesOf(cause);
    if (issues?.[0]) {
      const field = pathOf(issues[0]);
      body.message = issues.map((i) => (pathOf(i) ? `${pathOf(i)}: ${i.message}` : i.message)).join("; ");
      if (field) body.field = field;
    }
  }
  return { status, body };
}

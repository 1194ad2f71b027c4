import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { describeError } from "../trpc/errors";
import { DomainError, isDatabaseUnavailable } from "./errors";

const coded = (code: string, message = "x") => Object.assign(new Error(message), { code });

describe("database unavailable", () => {
  it("recognises connection failures and PostgreSQL's shutdown states, through wrappers", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "CONNECTION_CLOSED", "CONNECT_TIMEOUT", "57P01", "57P03", "08006"])
      expect(isDatabaseUnavailable(coded(code)), code).toBe(true);
    // drizzle wraps the driver's error in `cause`; node's connect to several addresses in AggregateError
    expect(isDatabaseUnavailable(new Error("Failed query", { cause: coded("57P01") }))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded("ECONNREFUSED")]))).toBe(true);
    expect(isDatabaseUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
    // a query that is wrong is not an outage
    for (const code of ["23505", "42P01", "22P02"]) expect(isDatabaseUnavailable(coded(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new DomainError("NOT_FOUND", "no"))).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
  });

  it("is a 503 that says so (other 5xx stay hidden), also when tRPC wrapped it", () => {
    const direct = describeError(new Error("Failed query", { cause: coded("ECONNREFUSED") }));
    expect(direct.status).toBe(503);
    expect(direct.body).toEqual({ code: "SERVICE_UNAVAILABLE", message: "The database is unavailable; retry in 2 seconds" });
    const wrapped = describeError(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: coded("57P01") }));
    expect(wrapped.status).toBe(503);
    expect(describeError(new Error("secret detail"))).toEqual({
      status: 500,
      body: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" },
    });
  });
});

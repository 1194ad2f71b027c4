import { type ProcedureEntry, procedureRoute as r } from "./entry";

/**
 * Logged calls and their prices over REST, on the secret key's own project (or a signed-in user's
 * `?project=`). Each path is a tRPC procedure: its input, output and least role are the procedure's.
 */
const key = { project: "key" } as const;

export const TRACE_ROUTES: ProcedureEntry[] = [
  r("GET", "/api/v1/traces", "logs.traces.find", {
    ...key,
    summary:
      "Logged calls, newest first: the explorer's filters as query parameters (lists as comma lists or repeated), `cursor` and `limit`; " +
      "per-score conditions as the explorer writes them (`scores=helpful>=0.5;tone=polite`) and `sort` (`latency:asc`, `score:helpful:desc`)",
  }),
  r("GET", "/api/v1/traces/:traceId", "logs.traces.get", {
    ...key,
    from: "none",
    summary: "A logged call with its observations and ratings",
  }),
  r("GET", "/api/v1/prices/catalog", "logs.prices.catalog", {
    ...key,
    from: "none",
    summary: "The built-in prices (USD per million tokens) used where the project's price table has no match",
  }),
  r("POST", "/api/v1/prices/recompute", "logs.prices.recompute", {
    ...key,
    summary: "Recompute the cost of the calls whose observations started in [from, to) from the current prices",
  }),
];

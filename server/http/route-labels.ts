import { type RouteCatalog, routeGroup } from "../core/metrics";
import { appRouter } from "../trpc/root";
import { ROUTE_TABLE } from "./table";

/** The /api/v1 patterns of the route table, for metric labels (`/api/v1` cut off). */
const V1_PATTERNS = [...new Set(ROUTE_TABLE.filter((e) => e.path.startsWith("/api/v1/")).map((e) => e.path.slice("/api/v1".length)))];

let catalog: RouteCatalog | null = null;

/** The procedures are read from the root router once: its `_def.procedures` keys are the dotted paths. */
export function routeCatalog(): RouteCatalog {
  catalog ??= {
    procedures: new Set(Object.keys((appRouter as unknown as { _def: { procedures: Record<string, unknown> } })._def.procedures)),
    v1Patterns: V1_PATTERNS,
  };
  return catalog;
}

/** The metric label of a request URL (path and query): see routeGroup. */
export const routeLabel = (url: string): string => routeGroup(url, routeCatalog());

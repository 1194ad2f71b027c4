import { z } from "zod";

/*
 * The tuning inputs as plain zod, importing nothing but zod: the console's forms validate with these
 * same schemas (scripts/check-boundaries.ts lets app/ import `server/<slug>/inputs.ts` files only).
 */

/** A worker pool's name; the service checks it again for callers that skip the schema (`keel workers pools create`). */
export const POOL_NAME_RE = /^[\w.-]{1,64}$/;
export const POOL_NAME_RULE = "a pool name is 1 to 64 letters, digits, '.', '_' or '-'";

/** A pool of projects by slug (or id), each must exist; none: every project. */
export const createPoolInput = z.object({
  name: z.string().trim().regex(POOL_NAME_RE, { message: POOL_NAME_RULE }),
  projects: z.array(z.string().trim().min(1).max(100)).max(1000).optional(),
});

/** A remote worker's `wk_` token; `pool` names a pool (none: every project's jobs). */
export const createWorkerTokenInput = z.object({ name: z.string().max(200).optional(), pool: z.string().max(64).nullish() });

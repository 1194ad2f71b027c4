import type { Database } from "../db/client";
import { DomainError } from "../server/core/errors";
import { createPool, createWorkerToken, listPools, listWorkerTokens, revokeWorkerToken } from "../server/tuning";
import { SYSTEM_ACTOR } from "../server/workspace";

export interface WorkersOptions {
  projects?: string;
  pool?: string;
  name?: string;
}

type Say = (human: string, data: unknown) => void;
type Need = (v: string | undefined, flag: string) => string;

/**
 * `keel workers pool|token ...`: remote workers' pools and `wk_` tokens, on the data dir or
 * DATABASE_URL like the other operator commands (it works while `keel start` runs); it acts as the
 * system in the audit log.
 */
export async function workersCommand(d: Database, sub: string | undefined, rest: string[], opts: WorkersOptions, say: Say, need: Need) {
  const [verb, arg] = rest;
  switch (`${sub} ${verb}`) {
    case "pool create": {
      const projects = (opts.projects ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      const pool = await createPool(d.db, SYSTEM_ACTOR, { name: need(arg, "NAME"), projects });
      return say(`pool ${pool.name} created: ${pool.projects ? pool.projects.join(", ") : "every project"}`, pool);
    }
    case "pool list": {
      const pools = await listPools(d.db);
      return say(pools.map((p) => `${p.name}\t${p.projects ? p.projects.join(",") : "(every project)"}`).join("\n") || "no pools", pools);
    }
    case "token create": {
      const { token, view } = await createWorkerToken(d.db, SYSTEM_ACTOR, { name: opts.name, pool: opts.pool ?? null });
      return say(`${token}\n(shown once: store it now; pool: ${view.pool ?? "every project"})`, { token, ...view });
    }
    case "token list": {
      const items: Awaited<ReturnType<typeof listWorkerTokens>>["items"] = [];
      let cursor: string | undefined;
      do {
        const page = await listWorkerTokens(d.db, { limit: 200, cursor, includeRevoked: true });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return say(
        items.map((t) => `${t.id}\t${t.prefix}…\t${t.name}\t${t.pool ?? "(every project)"}${t.revokedAt ? "\trevoked" : ""}`).join("\n") ||
          "no worker tokens",
        items,
      );
    }
    case "token revoke": {
      const view = await revokeWorkerToken(d.db, SYSTEM_ACTOR, need(arg, "ID"));
      return say(`worker token ${view.prefix}… revoked`, view);
    }
    default:
      throw new DomainError(
        "BAD_REQUEST",
        `unknown workers command: ${[sub, verb].filter(Boolean).join(" ") || "(none)"}; try pool create|list, token create|list|revoke`,
      );
  }
}

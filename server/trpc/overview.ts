import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { TUNING_STATUSES } from "../../db/schema";
import { recentDriftAlerts } from "../drift";
import { recentEvalActivity } from "../evals";
import { logsActivity, scoreSummaryOut } from "../logs";
import { aliasActorOut, recentAliasMoves } from "../registry";
import { recentTuningActivity } from "../tuning";
import { projectProcedure, router } from "./init";

/**
 * The project overview (issue 19): what happened in the last 24 hours across the domains, each part
 * read through its domain's public face. Like `jobs`, it lives beside the root router because it
 * belongs to no one domain.
 */

export const OVERVIEW_HOURS = 24;
/** Rows per list on the page; the counts cover the whole window. */
const RECENT = 5;

const traffic = z.object({ traces: z.number(), errors: z.number(), cost: z.number(), tokens: z.number() });
export const overviewOut = z.object({
  since: z.date(),
  until: z.date(),
  traffic: z.object({ current: traffic, previous: traffic }),
  /** per score name and kind, with the same score of the previous window (null when it had none) */
  ratings: z.array(scoreSummaryOut.extend({ previous: scoreSummaryOut.nullable() })),
  aliases: z.array(
    z.object({
      id: z.string(),
      model: z.string(),
      alias: z.string(),
      kind: z.enum(["move", "rollback", "delete"]),
      from: z.number().nullable(),
      to: z.number().nullable(),
      actor: aliasActorOut,
      createdAt: z.date(),
    }),
  ),
  evals: z.object({
    runs: z.number(),
    failedRuns: z.number(),
    gatesPassed: z.number(),
    gatesFailed: z.number(),
    recent: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        status: z.enum(["queued", "running", "succeeded", "failed", "cancelled"]),
        createdAt: z.date(),
        finishedAt: z.date().nullable(),
        gates: z.array(z.object({ gate: z.string(), passed: z.boolean() })),
      }),
    ),
  }),
  tuning: z.object({
    active: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    recent: z.array(
      z.object({
        id: z.string(),
        number: z.number(),
        method: z.enum(["head", "lora", "full"]),
        outputModel: z.string(),
        status: z.enum(TUNING_STATUSES),
        createdAt: z.date(),
        finishedAt: z.date().nullable(),
      }),
    ),
  }),
  drift: z.object({
    open: z.number(),
    raised: z.number(),
    recent: z.array(
      z.object({
        id: z.string(),
        monitorId: z.string(),
        monitor: z.string(),
        runId: z.string(),
        status: z.enum(["open", "acknowledged"]),
        createdAt: z.date(),
      }),
    ),
  }),
});
export type Overview = z.infer<typeof overviewOut>;

/** Every part of the overview for the window ending `until` (now); an empty project gives zeros and empty lists. */
export async function projectOverview(db: DbOrTx, projectId: string, until = new Date()): Promise<Overview> {
  const since = new Date(until.getTime() - OVERVIEW_HOURS * 3_600_000);
  const [logs, aliases, evals, tuning, drift] = await Promise.all([
    logsActivity(db, projectId, since, until),
    recentAliasMoves(db, projectId, since, RECENT),
    recentEvalActivity(db, projectId, since, RECENT),
    recentTuningActivity(db, projectId, since, RECENT),
    recentDriftAlerts(db, projectId, since, RECENT),
  ]);
  return {
    since,
    until,
    traffic: { current: logs.current, previous: logs.previous },
    ratings: logs.ratings,
    aliases,
    evals,
    tuning,
    drift,
  };
}

export const overviewRouter = router({
  get: projectProcedure.output(overviewOut).query(({ ctx }) => projectOverview(ctx.db, ctx.projectId)),
});

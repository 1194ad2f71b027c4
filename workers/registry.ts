import { pruneJobsJob } from "../server/core/jobs-prune";
import type { JobDefinition } from "../server/core/queue";
import type { Schedule } from "../server/core/worker";
import { driftRetentionJob, driftRunJob, driftTickJob } from "../server/drift";
import { evalRunJob } from "../server/evals";
import { retentionJob, rollupStatsJob } from "../server/logs";
import { deliverWebhookJob } from "../server/registry";
import { tuningReapJob } from "../server/tuning";
// loaded for what it provides: eval runs of live deployments answer through its gateway functions
import "../server/routing";
import { purgeSessionsJob } from "../server/workspace";

/** Every job a Keel worker can run: name -> definition, collected from server/<slug>/jobs via each index.ts. */
export const JOBS: JobDefinition<any>[] = [
  purgeSessionsJob,
  retentionJob,
  rollupStatsJob,
  evalRunJob,
  deliverWebhookJob,
  driftTickJob,
  driftRunJob,
  driftRetentionJob,
  tuningReapJob,
  pruneJobsJob,
];

export const SCHEDULES: Schedule[] = [
  { job: purgeSessionsJob.name, cron: "17 * * * *" },
  { job: retentionJob.name, cron: "40 3 * * *" },
  { job: rollupStatsJob.name, cron: "* * * * *" },
  // monitors due to run (each has its own cron expression; the tick enqueues drift.run for each)
  { job: driftTickJob.name, cron: "* * * * *" },
  { job: driftRetentionJob.name, cron: "50 3 * * *" },
  // lost tuning workers; while a tuning job is held the reap also schedules itself at the next
  // moment one can be lost (every ~15 s), since cron cannot go below a minute
  { job: tuningReapJob.name, cron: "* * * * *" },
  // finished runs of these schedules (about 4,000 rows a day) are deleted after a week
  { job: pruneJobsJob.name, cron: "30 3 * * *" },
];

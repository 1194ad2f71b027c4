import { eq } from "drizzle-orm";
import { type Db, schema } from "../../db/client";
import type { WorkerCapabilities } from "../../db/schema";
import { versionFiles } from "../registry";
import { materializeVersion } from "../serving";
import { type Actor, SYSTEM_ACTOR } from "../workspace";
import { claim } from "./claim";
import type { ControlPlane } from "./control-plane";
import { appendReport, completeJob, failJob, leaseExamples, leaseState, startJob } from "./lease";
import { storeOutput } from "./result";

const w = schema.tuningWorkers;

/** The control plane of a worker with the database and the artifact store at hand (as every worker was before remote ones). */
export function databasePlane(db: Db, actor: Actor = SYSTEM_ACTOR): ControlPlane {
  let workerId = "";
  let caps: WorkerCapabilities | null = null;
  return {
    remote: false,
    async register(info) {
      const [me] = await db.insert(w).values(info).returning({ id: w.id });
      if (!me) throw new Error("worker registration returned nothing");
      workerId = me.id;
      caps = info.capabilities;
      return me.id;
    },
    async heartbeat(currentJobId) {
      await db.update(w).set({ heartbeatAt: new Date(), status: "online", currentJobId }).where(eq(w.id, workerId));
    },
    async claim() {
      const job = caps ? await claim(db, workerId, caps) : null;
      return job ? { jobId: job.id, workerId, attempt: job.attempt } : null;
    },
    start: (lease) => startJob(db, actor, lease),
    baseDir: async (_lease, base) => materializeVersion(base.id, await versionFiles(db, base.id)),
    examples: (lease) => leaseExamples(db, lease),
    report: (lease, report) => appendReport(db, lease, report),
    state: (lease) => leaseState(db, lease),
    async complete(lease, dir, out, say, signal) {
      const files = await storeOutput(dir);
      const done = await completeJob(db, actor, lease, files, out, { say, signal });
      await done.after();
      return done.registered;
    },
    fail: async (lease, outcome) => void (await failJob(db, lease, outcome)),
    async stopped() {
      await db.update(w).set({ status: "stopped", currentJobId: null }).where(eq(w.id, workerId));
    },
  };
}

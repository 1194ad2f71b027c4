import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Database } from "../db/client";

// The demo instance that `keel start` and `keel seed` make, and its credentials shown once. main.ts
// loads this file only when a command seeds (`await import`, as for every command), and its
// functions import the domains inside, so that a start with KEEL_DEMO=0 loads none of them here.

const credentialsFile = async () => path.join((await import("../env")).dataDir(), "demo-credentials.json");

export interface DemoLogin {
  email: string;
  projectId: string;
  /** Present only on the start that shows them, once. */
  password: string | null;
  key: string | null;
}

/**
 * Seed the demo. Its owner's password and key are shown once, on the first start: they wait in the
 * data dir (mode 600) only until printed, so that a first start that fails before printing (a port
 * in use) shows them on the next try; `demoShown` then deletes the file and records
 * "demo.credentialsShown". Later starts print neither (the password: `keel users reset-password`).
 * `root`: the checkout (or installed package) root, which KEEL_MODELS_DIR is relative to.
 */
export async function seed(d: Database, root: string): Promise<DemoLogin & { created: boolean }> {
  const [
    { dataDir, env },
    { logger },
    { seedDemoDrift },
    { seedDemoViews },
    { registerBundled },
    { seedDemoRouting },
    { seedDeployments },
  ] = await Promise.all([
    import("../env"),
    import("../server/core/logger"),
    import("../server/drift"),
    import("../server/logs"),
    import("../server/registry"),
    import("../server/routing"),
    import("../server/serving"),
  ]);
  const { getInstanceSetting, SYSTEM_ACTOR, seedDemo } = await import("../server/workspace");
  const file = await credentialsFile();
  const password = env.KEEL_DEMO_PASSWORD ?? randomBytes(12).toString("base64url");
  const res = await seedDemo(d.db, { password });
  // the bundled models as registry versions (idempotent: also for data dirs seeded before the registry)
  await registerBundled(d.db, SYSTEM_ACTOR, res.projectId, path.resolve(root, env.KEEL_MODELS_DIR));
  await seedDeployments(d.db, SYSTEM_ACTOR, res.projectId);
  // a learned router trained from rated demo calls (idempotent); the demo works without it, so a failure only warns
  await seedDemoRouting(d.db, SYSTEM_ACTOR, res.projectId).catch((err) => logger.warn({ err }, "demo router not seeded"));
  // a saved view of the calls the demo rubric rated well: launch a tuning job from it (Tuning > Launch > Saved logs view)
  await seedDemoViews(d.db, SYSTEM_ACTOR, res.projectId);
  // a drift monitor over seeded gateway traffic with a shift in its last day (idempotent)
  await seedDemoDrift(d.db, SYSTEM_ACTOR, res.projectId).catch((err) => logger.warn({ err }, "demo drift monitor not seeded"));
  if (res.created) {
    fs.mkdirSync(dataDir(), { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ email: res.email, password, key: res.key }, null, 2), { mode: 0o600 });
    return { ...res, password, key: res.key };
  }
  // not shown yet: a first start that stopped before printing, or a data dir from before "shown once"
  const waiting = fs.existsSync(file) && !(await getInstanceSetting(d.db, "demo.credentialsShown"));
  const saved = waiting ? (JSON.parse(fs.readFileSync(file, "utf8")) as { password?: string; key?: string | null }) : null;
  if (!waiting) fs.rmSync(file, { force: true });
  return { ...res, password: saved?.password ?? null, key: saved?.key ?? null };
}

/** After the credentials were printed: never again, and no password left on disk. */
export async function demoShown(d: Database, demo: DemoLogin): Promise<void> {
  if (demo.password === null && demo.key === null) return;
  const { setInstanceSetting, SYSTEM_ACTOR } = await import("../server/workspace");
  await setInstanceSetting(d.db, SYSTEM_ACTOR, "demo.credentialsShown", true);
  fs.rmSync(await credentialsFile(), { force: true });
}

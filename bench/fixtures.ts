/**
 * What the gateway and soak benchmarks set up alike: a user, a project with an owner's secret key, a
 * loopback provider (the benches' fake upstream) and a `fast` chat deployment on it. Import this
 * module dynamically, after the bench has set the environment (KEEL_SECRET, KEEL_EGRESS_ALLOW): its
 * imports load env.ts.
 */
import type { Db } from "../db/client";
import { createDeployment, createProvider } from "../server/serving";
import { createKey, createProject, createUser, SYSTEM_ACTOR } from "../server/workspace";

export async function seedLoopbackChat(
  db: Db,
  opts: { email: string; password: string; project: { name: string; slug?: string }; keyName: string; upstreamUrl: string },
): Promise<{ projectId: string; key: string }> {
  const user = await createUser(db, SYSTEM_ACTOR, { email: opts.email, password: opts.password });
  const project = await createProject(db, SYSTEM_ACTOR, { ...opts.project, ownerUserId: user.id });
  const { key } = await createKey(
    db,
    { userId: user.id, keyId: null },
    { projectId: project.id, role: "owner" },
    { name: opts.keyName, kind: "secret" },
  );
  await createProvider(db, SYSTEM_ACTOR, project.id, {
    name: "loopback",
    baseUrl: opts.upstreamUrl,
    apiKey: "upstream-key",
    timeoutMs: 10_000,
    maxRetries: 0,
    maxConcurrency: 1000,
  });
  await createDeployment(db, SYSTEM_ACTOR, project.id, {
    name: "fast",
    kind: "provider",
    task: "chat",
    provider: "loopback",
    providerModel: "bench-upstream",
    modelRef: "production",
    inputPricePer1k: 0.15,
    outputPricePer1k: 0.6,
    defaults: {},
    batching: { windowMs: 5, maxBatch: 16 },
  });
  return { projectId: project.id, key };
}

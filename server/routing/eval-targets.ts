import type { DbOrTx } from "../../db/client";
import { type LiveDeployment, provideLiveTargets } from "../evals";
import { resolveVersion } from "../registry";
import { type ResolvedDeployment, resolveDeployment } from "../serving";
import { chatCompletions, completions } from "./service";
import { GatewayError } from "./service-contract";

/** The model a deployment's answers come from now: its resolved registry version, else its provider's model. */
async function modelKeyOf(db: DbOrTx, projectId: string, d: ResolvedDeployment): Promise<string> {
  if (d.kind === "provider") return `provider:${d.providerId}:${d.providerModel ?? d.name}`;
  if (d.modelName && d.modelRef) {
    const ref = /^\d+$/.test(d.modelRef) ? Number(d.modelRef) : d.modelRef;
    const v = await resolveVersion(db, projectId, d.modelName, ref).catch(() => null);
    if (v) return `version:${v.id}`;
  }
  return `local:${d.modelName ?? ""}:${d.modelRef ?? ""}`;
}

/** Eval runs' live targets (server/evals/live.ts): deployments answered by the gateway's own functions. */
provideLiveTargets({
  async resolve(db, projectId, name): Promise<LiveDeployment | null> {
    const d = await resolveDeployment(db, projectId, name);
    if (!d) return null;
    return {
      name: d.name,
      task: d.task,
      kind: d.kind,
      defaults: d.defaults,
      concurrencyLimit: d.providerRow?.maxConcurrency ?? null,
      modelKey: await modelKeyOf(db, projectId, d),
    };
  },
  async call(c, api, body) {
    try {
      const result = api === "chat" ? await chatCompletions(c, body) : await completions(c, body);
      return result.kind === "json" ? { kind: "json", status: result.status, body: result.body } : { kind: "stream" };
    } catch (err) {
      if (err instanceof GatewayError) return { kind: "json", status: err.status, body: err.body() };
      throw err;
    }
  },
});

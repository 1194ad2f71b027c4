import { z } from "zod";
import type { DbOrTx } from "../../db/client";
import { versionNames } from "../registry";

export const traceModelVersionInput = z.object({ modelVersionId: z.uuid() });
export const traceModelVersionOut = z.object({ id: z.string(), model: z.string(), version: z.number() }).nullable();

/**
 * The registry's name for the model version a trace records ("tiny-gpt2" v1), so the trace page links
 * to the version instead of showing its uuid; null when the version is gone (deleted since the call).
 */
export async function traceModelVersion(db: DbOrTx, projectId: string, modelVersionId: string) {
  const [name] = await versionNames(db, projectId, [modelVersionId]);
  return name ?? null;
}

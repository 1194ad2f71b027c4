import { z } from "zod";
import { deployments, providers } from "../../db/schema";
import { rowSchema } from "../core/output-schema";

export { type DeploymentInput, deploymentInput, endpointName, type ProviderInput, providerInput, providerUpdate } from "./inputs";

// ---- outputs (issue 15: every procedure declares one; the OpenAPI document is generated from them)

export const localModelOut = z.object({
  id: z.string(),
  task: z.enum(["text-generation", "feature-extraction", "text-classification", "unknown"]),
  architecture: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number() })),
});
/** Never the key: only whether one is stored. */
export const providerOut = rowSchema(providers).omit({ apiKeyEnc: true }).extend({ hasApiKey: z.boolean() });
export const deploymentOut = rowSchema(deployments);
export const deploymentViewOut = deploymentOut.extend({ provider: z.string().nullable() });
export const deletedOut = z.object({ deleted: z.literal(true) });

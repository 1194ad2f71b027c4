/** The registry domain's public face: what serving, routing and tuning consume. */

export { aliasHistory, deleteAlias, listAliases, requestMove, rollback } from "./aliases";
export { versionMetaInput } from "./contract";
export { deliverWebhookJob } from "./jobs/deliver-webhook";
export { versionLineage } from "./lineage";
export { createModel, getModel, listModels, type RegisteredModel, updateModel } from "./models";
export { createVersion, type FileRef, listVersions, type ModelVersion, resolveVersion, type VersionView, versionFiles } from "./versions";
export * from "./tracking";
export { emitRegistryEvent, REGISTRY_EVENTS, type RegistryEvent } from "./webhooks";
export { checkArtifactPath, detectFormat, taskFromConfig } from "./artifact-paths";
export { registerBundled, registerLocal } from "./local";

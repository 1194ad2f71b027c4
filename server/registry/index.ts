/** The registry domain's public face: what serving, routing and tuning consume. */

export { type AliasActor, aliasActorOut, recentAliasMoves } from "./activity";
export { aliasHistory, deleteAlias, listAliases, requestMove, rollback } from "./aliases";
export { servingPinGuard } from "./approvals";
export { checkArtifactPath, detectFormat, taskFromConfig, taskFromFormat } from "./artifact-paths";
export { versionMetaInput } from "./contract";
// `keel prompts` on a local database checks its input with the API's own schemas
export { createPromptInput, promptLabel, promptTag } from "./inputs";
export { deliverWebhookJob } from "./jobs/deliver-webhook";
export { versionLineage } from "./lineage";
export { registerBundled, registerLocal } from "./local";
export { deleteModel, deleteVersion, getVersionById, renameModel, setVersionTag } from "./model-lifecycle";
export { createModel, getModel, listModels, type RegisteredModel, updateModel } from "./models";
export { listPromptMeta } from "./prompt-meta";
export { renderTemplate, templateVariables } from "./prompt-render";
export { setPromptTags } from "./prompt-tags";
export { createPrompt, getPrompt, listPrompts, movePromptLabel, type PromptView, renderPrompt } from "./prompts";
export * from "./tracking";
export { type VersionName, versionNames } from "./version-names";
export {
  createVersion,
  type FileRef,
  listVersions,
  type ModelVersion,
  promptNotModel,
  resolveVersion,
  updateVersion,
  type VersionView,
  versionFiles,
} from "./versions";
export { emitRegistryEvent, REGISTRY_EVENTS, type RegistryEvent } from "./webhooks";

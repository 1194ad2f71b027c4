export { type LocalModel, listLocalModels } from "./catalog";
export { deploymentInput, endpointName, providerInput, providerUpdate } from "./contract";
export {
  clearDeploymentCache,
  createDeployment,
  type DeploymentView,
  deleteDeployment,
  listDeployments,
  type ResolvedDeployment,
  resolveDeployment,
  seedDeployments,
  updateDeployment,
} from "./deployments";
export { embedTexts } from "./embed-texts";
export {
  type ChatMessage,
  decodeTokens,
  formatChat,
  type GenerateOptions,
  type GenerateResult,
  generate,
  type TokenLogprob,
} from "./generate";
export {
  embeddingSettings,
  HEAD_CONFIG_FILE,
  HEAD_ONNX_FILE,
  type HeadConfig,
  type HeadEmbedding,
  parseHeadConfig,
  readHeadConfig,
} from "./head-config";
export {
  type Dtype,
  estimateBytes,
  headSource,
  type ModelSource,
  type OnnxSchema,
  resolveSource,
  type SourceLike,
  sourceFromVersion,
} from "./local";
export { materializeVersion, modelCacheDir } from "./materialize";
export { type Nested, type OnnxResult, runOnnx } from "./onnx";
export {
  batching,
  type ClassifyResult,
  classify,
  type EmbedOptions,
  type EmbedResult,
  embed,
  modelCacheStats,
  setBatching,
  setModelCacheBudget,
  unloadModels,
} from "./pipelines";
export { type PromptToken, promptLogprobs } from "./prompt-logprobs";
export { createProvider, deleteProvider, listProviders, providerKey, updateProvider } from "./providers";
export { callUpstream, readUpstreamBody, UpstreamError, type UpstreamResponse, type UpstreamTarget } from "./upstream";

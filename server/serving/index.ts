export { type LocalModel, listLocalModels } from "./catalog";
export { embedTexts } from "./embed-texts";
export { type ChatMessage, formatChat, type GenerateOptions, type GenerateResult, generate } from "./generate";
export { type Dtype, estimateBytes, type ModelSource, type OnnxSchema, resolveSource, type SourceLike, sourceFromVersion } from "./local";
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

// provides eval runs their live targets (server/evals/live.ts) wherever routing is loaded
import "./eval-targets";

// The routing domain's public face: routing policies, the learned router, router evaluation, and the gateway (service*.ts).
export { calibrateThreshold, largeShareAt } from "./calibrate";
export {
  CANDIDATE_KINDS,
  type CandidateKind,
  candidateOf,
  isRouterModel,
  MIN_SELECTION_ITEMS,
  modelEmbedding,
  modelSummary,
  predictRouterModel,
  type RouterModel,
  type Selection,
  trainSelected,
} from "./candidates";
export {
  EVAL_STREAM_MAX_BYTES,
  EvalLineError,
  type EvalRow,
  EvalTooLargeError,
  EXTRA_EVAL_KINDS,
  type ExtraEvalKind,
  parseEvalJsonl,
  type RouterEvalOptions,
  type RouterEvalResult,
  readEvalJsonl,
  runRouterEval,
} from "./eval-run";
export { apgr, type CurvePoint, cpt, evaluateRouter, NoGapError, qualityGap, type RouterEvaluation, routingCurve } from "./evaluate";
export {
  type EmbedFn,
  embedInBatches,
  type FeatureSpec,
  featureMatrix,
  featureSpec,
  featureVector,
  TEXT_FEATURES,
  textFeatures,
} from "./features";
export {
  cascadeConfigSchema,
  learnedConfigSchema,
  playgroundRequest,
  type RouterKind,
  routerConfigSchemas,
  rulesConfigSchema,
  splitConfigSchema,
} from "./inputs";
export { admitKeyCall, hasLimits, resetKeyLimits, syncKeyLimits } from "./key-limits";
export { isKnnModel, type KnnModel, predictKnn, trainKnn } from "./knn";
export {
  isLearnedModel,
  type LearnedModel,
  predict,
  predictPrompt,
  smallGoodEnough,
  TrainingDataError,
  type TrainOptions,
  trainLearned,
  trainLearnedFromPrompts,
} from "./learned";
export { chooseL2, fitLogistic, sigmoid } from "./logistic";
export { isMfModel, type MfModel, predictMf, trainMf } from "./mf";
export { isMlpModel, type MlpModel, predictMlp, trainMlp } from "./mlp";
export {
  approxTokens,
  type CascadeConfig,
  cascadeDecide,
  cascadeStart,
  compileRules,
  type Decision,
  decideLearned,
  decideSplit,
  type LearnedConfig,
  lastUserMessage,
  meanLogprob,
  promptText,
  type RouteRequest,
  type Rule,
  type RuleCondition,
  type RulesConfig,
  type SmallAnswer,
  type SplitConfig,
  shouldEscalate,
  stickyFraction,
} from "./policies";
export { DEMO_RATING, DEMO_ROUTER, type DemoRoutingResult, seedDemoRouting } from "./seed";
// the gateway (service*.ts)
export { chatCompletions, classifications, completions, embeddings, model, models, responses } from "./service";
export { GatewayError } from "./service-contract";
export {
  checkDeclaredSize,
  EVAL_EMBEDDING_MODEL,
  EVAL_MIN_LINES,
  type EvalOptions,
  evalOptions,
  evalReportOut,
  evaluateRows,
  evaluateUpload,
  evaluationRunning,
  type RouterEvalReport,
  readEvalRows,
} from "./service-eval";
export type { GatewayContext, GatewayResult } from "./service-gateway";
export { checkModelAllowed } from "./service-gateway";
export { PLAYGROUND_TAG, playgroundCall } from "./service-playground";
export { type KeySelf, keySelf, keySelfOut } from "./spend";
export { seededRandom, shuffled, trainTestSplit } from "./split";
export { isTfidfModel, predictTfidf, type TfidfModel, trainTfidf } from "./tfidf";

/** The metrics' public face: pure scoring functions and the scorer plug-in registry. */

export * from "./bleu";
export * from "./chrf";
export * from "./exact";
export { porterStem, porterStemCached } from "./porter";
export * from "./rouge";
export * from "./scorer";
export * from "./tokenizers";

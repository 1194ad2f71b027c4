/**
 * The router model kinds a saved learned router chooses between (candidates.ts); the list lives in
 * inputs.ts so the config schema can name them without loading the trainers.
 */
import { CANDIDATE_KINDS } from "./inputs";

export { CANDIDATE_KINDS };
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];
/** The kinds that work on the prompt's embedding alone: no candidates without an embedding model. */
export const EMBEDDING_KINDS: readonly CandidateKind[] = ["knn", "mlp", "mf"];

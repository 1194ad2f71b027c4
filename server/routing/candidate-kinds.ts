/**
 * The router model kinds a saved learned router chooses between (candidates.ts), kept apart so the
 * config schema (config.ts) can name them without loading the trainers.
 */
export const CANDIDATE_KINDS = ["logistic", "tfidf", "knn", "mlp", "mf"] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];
/** The kinds that work on the prompt's embedding alone: no candidates without an embedding model. */
export const EMBEDDING_KINDS: readonly CandidateKind[] = ["knn", "mlp", "mf"];

/**
 * Features of a prompt for the learned router: its embedding (from an injected embedding function;
 * the gateway and the CLI pass `embedTexts` of the serving domain) followed by simple text features.
 * The spec is saved in the trained model, so serving builds exactly the vector training saw.
 */

/** The text features, in vector order. */
export const TEXT_FEATURES = [
  "log_chars", // ln(1 + characters)
  "log_words", // ln(1 + whitespace-separated words)
  "digit_share", // digits / characters
  "question_mark", // 1 when the text has a '?', else 0
  "code_share", // code-ish characters ({}[]()<>;=_`#$\|/*&^~) / characters
  "upper_share", // uppercase letters / letters
  "sentences", // runs of . ! ? followed by a space or the end, plus 1 for trailing text without them
] as const;

export interface FeatureSpec {
  /** the embedding that leads the vector; null = text features only */
  embedding: { model: string; dim: number } | null;
  text: readonly string[];
}

/** Embeds a batch of texts; one vector per text, all of one length. */
export type EmbedFn = (texts: string[]) => Promise<number[][]>;

const CODE_CHARS = new Set("{}[]()<>;=_`#$\\|/*&^~");

/** The text features of `text`, in the order of TEXT_FEATURES. */
export function textFeatures(text: string): number[] {
  let chars = 0;
  let digits = 0;
  let code = 0;
  let letters = 0;
  let upper = 0;
  for (const ch of text) {
    chars++;
    if (ch >= "0" && ch <= "9") digits++;
    else if (CODE_CHARS.has(ch)) code++;
    else if (ch.toLowerCase() !== ch.toUpperCase()) {
      letters++;
      if (ch === ch.toUpperCase()) upper++;
    }
  }
  const words = text.split(/\s+/).filter(Boolean).length;
  // ends of sentences, plus a last one left without its punctuation
  const trimmed = text.trim();
  const sentences = (trimmed.match(/[.!?]+(?=\s|$)/g) ?? []).length + (trimmed && !/[.!?]$/.test(trimmed) ? 1 : 0);
  return [
    Math.log1p(chars),
    Math.log1p(words),
    chars ? digits / chars : 0,
    text.includes("?") ? 1 : 0,
    chars ? code / chars : 0,
    letters ? upper / letters : 0,
    sentences,
  ];
}

/** The spec for an embedding model of `dim` dimensions (or none) plus every text feature. */
export function featureSpec(embedding: { model: string; dim: number } | null): FeatureSpec {
  return { embedding, text: [...TEXT_FEATURES] };
}

/** The feature vector of one prompt: embedding (when the spec has one) then text features. */
export function featureVector(spec: FeatureSpec, text: string, embedding?: readonly number[] | null): number[] {
  if (spec.text.length !== TEXT_FEATURES.length || spec.text.some((f, i) => f !== TEXT_FEATURES[i]))
    throw new Error(`unknown text feature set ${spec.text.join(",")}: this model was trained by another Keel version`);
  const tf = textFeatures(text);
  if (!spec.embedding) return tf;
  if (!embedding || embedding.length !== spec.embedding.dim)
    throw new Error(
      `the model needs a ${spec.embedding.dim}-dimensional ${spec.embedding.model} embedding, got ${embedding?.length ?? "none"}`,
    );
  return [...embedding, ...tf];
}

/** Embeds `texts` in batches of `batchSize` (one model call per batch), in order. */
export async function embedInBatches(embed: EmbedFn, texts: readonly string[], batchSize = 64): Promise<number[][]> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const batch = texts.slice(i, i + batchSize);
    const vectors = await embed(batch);
    if (vectors.length !== batch.length)
      throw new Error(`the embedding function returned ${vectors.length} vectors for ${batch.length} texts`);
    out.push(...vectors);
  }
  return out;
}

/** Feature vectors of many prompts: embeddings in batches when the spec asks for them. */
export async function featureMatrix(spec: FeatureSpec, texts: readonly string[], embed?: EmbedFn, batchSize = 64): Promise<number[][]> {
  if (!spec.embedding) return texts.map((t) => featureVector(spec, t));
  if (!embed) throw new Error(`features need ${spec.embedding.model} embeddings, but no embedding function was given`);
  const vectors = await embedInBatches(embed, texts, batchSize);
  return texts.map((t, i) => featureVector(spec, t, vectors[i]));
}

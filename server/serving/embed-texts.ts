import { embed } from "./pipelines";

/**
 * Embeddings of `texts` (mean pooling, L2-normalized) from a bundled model or any source name,
 * `tiny-bert-embed` by default. Shares the model cache and the dynamic batcher with `embed`.
 */
export async function embedTexts(texts: string[], opts: { model?: string } = {}): Promise<number[][]> {
  return (await embed(opts.model ?? "tiny-bert-embed", texts, { pooling: "mean", normalize: true })).vectors;
}

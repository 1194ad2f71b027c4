import path from "node:path";
import { modelsDir } from "../../env";

type Extractor = (texts: string[], opts: { pooling: "mean"; normalize: boolean }) => Promise<{ tolist(): number[][] }>;
const loads = new Map<string, Promise<Extractor>>();

/**
 * Embeddings of `texts` (mean pooling, L2-normalized) from a bundled model, `tiny-bert-embed` by
 * default. Loaded once per process, offline.
 */
export async function embedTexts(texts: string[], opts: { model?: string } = {}): Promise<number[][]> {
  if (texts.length === 0) return [];
  const name = opts.model ?? "tiny-bert-embed";
  let load = loads.get(name);
  if (!load) {
    load = (async () => {
      const { env, pipeline } = await import("@huggingface/transformers");
      env.allowRemoteModels = false;
      return (await pipeline("feature-extraction", path.join(modelsDir(), name), { dtype: "fp32" })) as unknown as Extractor;
    })();
    load.catch(() => loads.delete(name));
    loads.set(name, load);
  }
  const out = await (await load)(texts, { pooling: "mean", normalize: true });
  return out.tolist();
}

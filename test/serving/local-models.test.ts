import { afterAll, describe, expect, it, vi } from "vitest";
import { classify, embed, embedTexts, generate, modelCacheStats, setModelCacheBudget, unloadModels } from "../../server/serving";
import { type Pipe, withPipeline } from "../../server/serving/pipelines";

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] as number), 0);

afterAll(async () => {
  await unloadModels();
});

describe("text generation (tiny-gpt2)", () => {
  const prompt = "Once upon a time";

  it("greedy is deterministic and equals a direct transformers.js call", async () => {
    const a = await generate("tiny-gpt2", { prompt, maxTokens: 24 });
    const b = await generate("tiny-gpt2", { prompt, maxTokens: 24 });
    expect(a.text).toBe(b.text);
    expect(a.text.length).toBeGreaterThan(0);
    const direct = (await withPipeline("text-generation", "tiny-gpt2", (p) => p(prompt, { max_new_tokens: 24, do_sample: false }))) as {
      generated_text: string;
    }[];
    expect(direct[0]?.generated_text).toBe(prompt + a.text);
    expect(a.promptTokens).toBeGreaterThan(0);
    expect(a.meanLogprob).toBeLessThan(0);
  });

  it("respects maxTokens", async () => {
    const r = await generate("tiny-gpt2", { prompt: "The", maxTokens: 5 });
    expect(r.completionTokens).toBeLessThanOrEqual(5);
    if (r.finishReason === "length") expect(r.completionTokens).toBe(5);
    const long = await generate("tiny-gpt2", { prompt: "1 2 3 4 5 6 7", maxTokens: 3 });
    expect(long).toMatchObject({ finishReason: "length", completionTokens: 3 });
  });

  it("cuts at a stop sequence and stops generating", async () => {
    const full = await generate("tiny-gpt2", { prompt, maxTokens: 24 });
    const word = full.text.trim().split(/\s+/)[2] as string; // a word from the middle
    const cut = await generate("tiny-gpt2", { prompt, maxTokens: 24, stop: [word] });
    expect(cut.finishReason).toBe("stop");
    expect(full.text.startsWith(cut.text)).toBe(true);
    expect(cut.text).not.toContain(word);
    expect(cut.completionTokens).toBeLessThan(full.completionTokens);
  });

  it("streams deltas that concatenate to the final text", async () => {
    const deltas: string[] = [];
    const r = await generate("tiny-gpt2", { prompt: "In the beginning", maxTokens: 20, stream: (d) => deltas.push(d) });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join("")).toBe(r.text);
  });

  it("stops generating when the caller aborts", async () => {
    const ac = new AbortController();
    const r = await generate("tiny-gpt2", { prompt: "1 2 3 4 5 6 7", maxTokens: 40, signal: ac.signal, stream: () => ac.abort() });
    expect(r.finishReason).toBe("stop");
    expect(r.completionTokens).toBeLessThan(5);
  });

  it("samples reproducibly with a seed, and differently without", async () => {
    const opts = { prompt, maxTokens: 16, temperature: 1, topP: 0.95, seed: 11 };
    const [a, b] = await Promise.all([generate("tiny-gpt2", opts), generate("tiny-gpt2", opts)]);
    expect(a.text).toBe(b.text);
    const others = await Promise.all([1, 2, 3].map((seed) => generate("tiny-gpt2", { ...opts, seed })));
    expect(new Set([a.text, ...others.map((o) => o.text)]).size).toBeGreaterThan(1);
  });

  it("formats chat messages as role lines when the tokenizer has no template", async () => {
    const r = await generate("tiny-gpt2", { messages: [{ role: "user", content: "Hello" }], maxTokens: 4 });
    expect(r.promptTokens).toBeGreaterThan(3); // "user: Hello\nassistant:"
  });

  it("batches concurrent generations with the same greedy results as alone", async () => {
    const prompts = Array.from({ length: 8 }, (_, i) => `Item ${i} is`);
    const together = await Promise.all(prompts.map((p) => generate("tiny-gpt2", { prompt: p, maxTokens: 12 })));
    expect(Math.max(...together.map((t) => t.batchSize))).toBeGreaterThan(1);
    for (const [i, p] of prompts.entries()) {
      const alone = await generate("tiny-gpt2", { prompt: p, maxTokens: 12 });
      expect(alone.batchSize).toBe(1);
      expect(together[i]?.text).toBe(alone.text);
    }
  });

  it("rejects bad options with a clear error", async () => {
    await expect(generate("tiny-gpt2", { maxTokens: 3 })).rejects.toThrow(/prompt and messages/);
    await expect(generate("tiny-gpt2", { prompt: "x", maxTokens: 0 })).rejects.toThrow(/maxTokens/);
  });
});

describe("embeddings (tiny-bert-embed)", () => {
  it("are normalized, of the model's size, and similar texts are closer", async () => {
    const r = await embed("tiny-bert-embed", ["I love cats", "I adore kittens", "Quarterly tax filing deadline"]);
    const [cat, kitten, tax] = r.vectors as [number[], number[], number[]];
    expect(cat).toHaveLength(256);
    for (const v of r.vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    expect(dot(cat, kitten)).toBeGreaterThan(dot(cat, tax));
    expect(r.tokens.every((t) => t > 2)).toBe(true);
    const cls = await embed("tiny-bert-embed", ["I love cats"], { pooling: "cls", normalize: false });
    expect(Math.abs(Math.hypot(...(cls.vectors[0] as number[])) - 1)).toBeGreaterThan(1e-3);
  });

  it("batches 16 concurrent calls, with the same vectors as one at a time", async () => {
    const texts = Array.from({ length: 16 }, (_, i) => `sentence number ${i} about ${i % 2 ? "dogs" : "the weather today"}`);
    const together = await Promise.all(texts.map((t) => embed("tiny-bert-embed", [t])));
    expect(Math.max(...together.map((t) => t.batchSize))).toBeGreaterThan(1);
    for (const [i, t] of texts.entries()) {
      const alone = await embed("tiny-bert-embed", [t]);
      expect(alone.batchSize).toBe(1);
      const a = alone.vectors[0] as number[];
      const b = together[i]?.vectors[0] as number[];
      expect(Math.max(...a.map((x, j) => Math.abs(x - (b[j] as number))))).toBeLessThan(1e-5);
    }
  });

  it("embedTexts uses the bundled model by default", async () => {
    const [v] = await embedTexts(["hello"]);
    expect(v).toHaveLength(256);
  });
});

describe("classification (tiny-bert-sentiment)", () => {
  it('"I love this" is POSITIVE', async () => {
    const r = await classify("tiny-bert-sentiment", ["I love this", "I hate this"], { topK: 2 });
    expect(r.results[0]?.[0]?.label).toBe("POSITIVE");
    expect(r.results[1]?.[0]?.label).toBe("NEGATIVE");
    expect(r.results[0]).toHaveLength(2);
  });
});

describe("model sources and the cache", () => {
  it("an unknown model fails clearly, naming the setting, without touching the network", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    await expect(generate("Xenova/gpt2", { prompt: "hi" })).rejects.toThrow(/KEEL_ALLOW_REMOTE_MODELS=1/);
    await expect(embed("no-such-model", ["x"])).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });

  it("loads a model once and disposes it when evicted", async () => {
    let pipe: Pipe | null = null;
    await withPipeline("text-classification", "tiny-bert-sentiment", async (p) => {
      pipe = p;
    });
    const dispose = vi.spyOn(pipe as unknown as Pipe, "dispose");
    const before = modelCacheStats().entries.length;
    await classify("tiny-bert-sentiment", ["again"]); // cached: no second load
    expect(modelCacheStats().entries.length).toBe(before);
    setModelCacheBudget(1e-6); // fits one model at most
    await withPipeline("feature-extraction", "tiny-bert-embed", async () => {}); // loads, evicts the rest
    await vi.waitFor(() => expect(dispose).toHaveBeenCalledTimes(1));
    expect(modelCacheStats().entries.map((e) => e.key)).toEqual(["feature-extraction|bundled:tiny-bert-embed|fp32"]);
    setModelCacheBudget(2048);
  });
});

import type * as HF from "@huggingface/transformers";
import { DomainError } from "../core/errors";
import { type Batched, KeyedBatchers } from "./batcher";
import { resolveSource, type SourceLike } from "./local";
import { batchInfo, batching, onBatchingChange, type Pipe, pipelineKey, transformers, withPipeline } from "./pipelines";
import { pickToken, seededRandom } from "./sampling";
import { StopStream } from "./stops";

export interface ChatMessage {
  role: string;
  content: string;
}

export interface GenerateOptions {
  /** a plain prompt, or `messages` (exactly one of the two) */
  prompt?: string;
  messages?: ChatMessage[];
  /** most tokens to generate (default 64); also bounded by the model's context */
  maxTokens?: number;
  /** 0 or absent: greedy (deterministic); above 0: sampling at this temperature */
  temperature?: number;
  /** nucleus sampling (only with temperature > 0), default 1 */
  topP?: number;
  /** the text is cut before the first of these, and generation stops there */
  stop?: string[];
  /** makes sampling reproducible, even when batched with other calls */
  seed?: number;
  /** each new piece of text, in order; the pieces concatenate to `text` */
  stream?: (delta: string) => void;
  /** stop generating (the caller went away); the result holds what was made so far */
  signal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  /** stop: end of text or a stop sequence (or aborted); length: maxTokens or the context ran out */
  finishReason: "stop" | "length";
  promptTokens: number;
  completionTokens: number;
  /** mean natural-log probability of the generated tokens (end-of-text included) at temperature 1; null when none */
  meanLogprob: number | null;
  /** how many requests ran in this one generate() call, and how long this one waited to start (ms) */
  batchSize: number;
  waitMs: number;
}

interface Row {
  req: GenerateOptions;
  promptIds: number[];
  maxTokens: number;
  random: () => number;
  stops: StopStream;
  generated: number[];
  logprobs: number[];
  pending: number | null;
  done: boolean;
  finish: "stop" | "length";
}

interface RowOutput extends Omit<GenerateResult, "batchSize" | "waitMs"> {}

/**
 * The prompt text: as given, or the tokenizer's chat template, or "role: content" lines ending in
 * "assistant: " (with the space: after a bare "assistant:" the bundled tiny-gpt2 ends the text at once).
 */
export function formatChat(tokenizer: HF.PreTrainedTokenizer, messages: ChatMessage[]): string {
  if (tokenizer.chat_template)
    return tokenizer.apply_chat_template(messages as HF.Message[], { tokenize: false, add_generation_prompt: true }) as string;
  return `${messages.map((m) => `${m.role}: ${m.content}`).join("\n")}\nassistant: `;
}

function validate(o: GenerateOptions): void {
  if ((o.prompt === undefined) === (o.messages === undefined))
    throw new DomainError("BAD_REQUEST", "give exactly one of prompt and messages", "prompt");
  if (o.messages && (o.messages.length === 0 || o.messages.some((m) => typeof m?.role !== "string" || typeof m?.content !== "string")))
    throw new DomainError("BAD_REQUEST", "messages must be a non-empty list of { role, content } strings", "messages");
  if (o.maxTokens !== undefined && !(Number.isInteger(o.maxTokens) && o.maxTokens >= 1))
    throw new DomainError("BAD_REQUEST", "maxTokens must be a positive integer", "maxTokens");
  if (o.temperature !== undefined && !(o.temperature >= 0 && o.temperature <= 10))
    throw new DomainError("BAD_REQUEST", "temperature must be between 0 and 10", "temperature");
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new DomainError("BAD_REQUEST", "topP must be in (0, 1]", "topP");
}

const asIds = (x: unknown): number[] => (Array.isArray(x) ? x.map(Number) : typeof x === "number" ? [x] : []);

/**
 * One model.generate() call for several requests: prompts left-padded to one length (GPT-2 style
 * models take position ids from the attention mask, so padded rows give the same tokens as alone).
 * Keel picks each row's token itself (a logits processor: greedy or seeded sampling, recording the
 * log-probability) and decides when each row is done (a stopping criterion: end of text, stop
 * sequence, its own maxTokens); the call ends when every row is done.
 */
async function runBatch(pipe: Pipe, reqs: GenerateOptions[]): Promise<RowOutput[]> {
  const hf = await transformers();
  const { tokenizer, model } = pipe;
  const config = model.config as unknown as Record<string, unknown>;
  const gen = (model as unknown as { generation_config?: Record<string, unknown> }).generation_config ?? {};
  const eos = new Set(asIds(gen.eos_token_id ?? config.eos_token_id));
  const pad = asIds(gen.pad_token_id ?? config.pad_token_id)[0] ?? [...eos][0] ?? 0;
  const ctx = Number(config.n_positions ?? config.max_position_embeddings ?? 2048);

  const rows: Row[] = reqs.map((req) => {
    const text = req.messages ? formatChat(tokenizer, req.messages) : (req.prompt ?? "");
    let ids = tokenizer.encode(text);
    if (ids.length === 0) ids = [[...eos][0] ?? pad]; // an empty prompt starts from end-of-text, as GPT-2 does
    const want = Math.min(req.maxTokens ?? 64, Math.floor(ctx / 2));
    if (ids.length + want > ctx) ids = ids.slice(ids.length - (ctx - want)); // keep the end of a long prompt
    return {
      req,
      promptIds: ids,
      maxTokens: req.maxTokens ?? 64,
      random: seededRandom(req.seed ?? Math.floor(Math.random() * 2 ** 32)),
      stops: new StopStream(req.stop ?? [], safe(req.stream)),
      generated: [],
      logprobs: [],
      pending: null,
      done: false,
      finish: "length",
    };
  });
  const width = Math.max(...rows.map((r) => r.promptIds.length));
  const maxNew = Math.max(1, Math.min(ctx - width, Math.max(...rows.map((r) => r.maxTokens))));
  const B = rows.length;
  const ids = new BigInt64Array(B * width).fill(BigInt(pad));
  const mask = new BigInt64Array(B * width);
  rows.forEach((r, b) => {
    const off = b * width + width - r.promptIds.length;
    r.promptIds.forEach((t, j) => {
      ids[off + j] = BigInt(t);
      mask[off + j] = 1n;
    });
  });

  const pick = (_inputIds: bigint[][], logits: HF.Tensor) => {
    const data = logits.data as Float32Array;
    const V = logits.dims.at(-1) as number;
    rows.forEach((r, b) => {
      const rowLogits = data.subarray(b * V, (b + 1) * V);
      let token = pad;
      if (!r.done) {
        const t = pickToken(rowLogits, { temperature: r.req.temperature, topP: r.req.topP, random: r.random });
        token = t.token;
        r.pending = t.logprob;
      }
      rowLogits.fill(Number.NEGATIVE_INFINITY);
      rowLogits[token] = 0; // the greedy sampler of transformers.js now takes exactly this token
    });
    return logits;
  };
  const criterion = (inputIds: bigint[][]) =>
    rows.map((r, b) => {
      if (r.done) return true;
      const token = Number(inputIds[b]?.at(-1));
      if (r.pending !== null) r.logprobs.push(r.pending);
      r.pending = null;
      if (eos.has(token)) {
        r.done = true;
        r.finish = "stop";
        return true;
      }
      r.generated.push(token);
      if (r.stops.update(tokenizer.decode(r.generated, { skip_special_tokens: true }))) {
        r.done = true;
        r.finish = "stop";
      } else if (r.generated.length >= r.maxTokens) r.done = true;
      else if (r.req.signal?.aborted) {
        r.done = true;
        r.finish = "stop";
      }
      return r.done;
    });

  await model.generate({
    input_ids: new hf.Tensor("int64", ids, [B, width]),
    attention_mask: new hf.Tensor("int64", mask, [B, width]),
    max_new_tokens: maxNew,
    do_sample: false,
    logits_processor: [pick],
    stopping_criteria: [criterion],
  } as unknown as Parameters<typeof model.generate>[0]);

  return rows.map((r) => ({
    text: r.stops.finish(),
    finishReason: r.finish,
    promptTokens: r.promptIds.length,
    completionTokens: r.generated.length,
    meanLogprob: r.logprobs.length ? r.logprobs.reduce((a, b) => a + b, 0) / r.logprobs.length : null,
  }));
}

/** A stream callback that cannot break the batch it rides in. */
function safe(fn?: (d: string) => void): ((d: string) => void) | undefined {
  if (!fn) return undefined;
  return (d) => {
    try {
      fn(d);
    } catch {
      // the caller's problem (a closed connection); the other rows go on
    }
  };
}

let genBatchers = new KeyedBatchers<GenerateOptions, RowOutput>(batching);
onBatchingChange(() => {
  genBatchers = new KeyedBatchers(batching);
});

/**
 * Generate text from a text-generation model. Concurrent calls to one model within the batching
 * window run as one batched generate (see runBatch); greedy results do not depend on the batch.
 */
export async function generate(input: SourceLike, opts: GenerateOptions): Promise<GenerateResult> {
  validate(opts);
  const source = resolveSource(input);
  const run = (reqs: GenerateOptions[]) => withPipeline("text-generation", source, (pipe) => runBatch(pipe, reqs));
  const part: Batched<RowOutput> = await genBatchers.submit(pipelineKey("text-generation", source), run, opts);
  return { ...part.result, ...batchInfo([part]) };
}

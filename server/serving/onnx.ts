import fs from "node:fs";
import type * as Ort from "onnxruntime-node";
import { DomainError } from "../core/errors";
import { estimateBytes, type OnnxSchema, resolveSource, type SourceLike } from "./local";
import { modelCache } from "./pipelines";

/** A nested array of numbers, as many levels deep as the tensor has dimensions. */
export type Nested = number | Nested[];

export interface OnnxResult {
  outputs: Record<string, Nested>;
  /** each output's dims */
  dims: Record<string, number[]>;
}

let ortModule: Promise<typeof Ort> | null = null;
const ort = () => {
  ortModule ??= import("onnxruntime-node");
  return ortModule;
};

type TensorType = "float32" | "float64" | "int32" | "int64";

function shapeOf(value: unknown, name: string): number[] {
  const dims: number[] = [];
  let v = value;
  while (Array.isArray(v)) {
    dims.push(v.length);
    v = v[0];
  }
  if (typeof v !== "number") throw new DomainError("BAD_REQUEST", `input ${name} must be a nested array of numbers`, `feeds.${name}`);
  return dims;
}

function toTensor(o: typeof Ort, name: string, value: unknown, type: TensorType, declared?: number[]): Ort.Tensor {
  const dims = shapeOf(value, name);
  const flat = (value as unknown[]).flat(Number.POSITIVE_INFINITY) as unknown[];
  const expected = dims.reduce((a, b) => a * b, 1);
  if (flat.length !== expected || flat.some((x) => typeof x !== "number" || !Number.isFinite(x)))
    throw new DomainError("BAD_REQUEST", `input ${name} is ragged or holds non-finite numbers`, `feeds.${name}`);
  if (declared) {
    const ok = declared.length === dims.length && declared.every((d, i) => d < 0 || d === dims[i]);
    if (!ok)
      throw new DomainError(
        "BAD_REQUEST",
        `input ${name} has shape [${dims}], the model declares [${declared}] (-1: any)`,
        `feeds.${name}`,
      );
  }
  const nums = flat as number[];
  const data =
    type === "int64"
      ? BigInt64Array.from(nums, (x) => BigInt(Math.trunc(x)))
      : type === "int32"
        ? Int32Array.from(nums)
        : type === "float64"
          ? Float64Array.from(nums)
          : Float32Array.from(nums);
  return new o.Tensor(type, data, dims);
}

function toNested(data: ArrayLike<number | bigint>, dims: readonly number[]): Nested {
  const flat = Array.from(data, Number);
  if (dims.length === 0) return flat[0] ?? 0;
  const build = (level: number, offset: number): Nested[] => {
    const size = dims.slice(level + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dims[level] as number }, (_, i) =>
      level === dims.length - 1 ? (flat[offset + i] as number) : build(level + 1, offset + i * size),
    );
  };
  return build(0, 0);
}

/**
 * Run a raw ONNX graph (a registry version of format "onnx", or an absolute .onnx path). Inputs are
 * checked against the version's declared `inputSchema` (names, shapes with -1 for any, element types;
 * float32 when undeclared). Sessions are cached with the pipelines, by the file's size.
 */
export async function runOnnx(input: SourceLike, feeds: Record<string, Nested>): Promise<OnnxResult> {
  const source = resolveSource(input);
  if (source.format !== "onnx" || !source.location.endsWith(".onnx"))
    throw new DomainError("BAD_REQUEST", `${source.key} is not a raw ONNX graph`, "model");
  const schema: OnnxSchema | undefined = source.inputSchema;
  const o = await ort();
  const load = async () => {
    if (!fs.existsSync(source.location)) throw new DomainError("NOT_FOUND", `no ONNX file at ${source.location}`, "model");
    const session = await o.InferenceSession.create(source.location);
    return { value: { value: session, dispose: () => session.release() }, bytes: estimateBytes(source.location) };
  };
  return modelCache.use(`onnx|${source.key}`, load, async (cached) => {
    const session = cached.value as Ort.InferenceSession;
    const declared = new Map((schema?.inputs ?? []).map((i) => [i.name, i]));
    const tensors: Record<string, Ort.Tensor> = {};
    for (const name of session.inputNames) {
      if (!(name in feeds))
        throw new DomainError("BAD_REQUEST", `missing input ${name} (the model takes ${session.inputNames.join(", ")})`, "feeds");
      const d = declared.get(name);
      tensors[name] = toTensor(o, name, feeds[name], d?.type ?? "float32", d?.shape);
    }
    const extra = Object.keys(feeds).filter((k) => !session.inputNames.includes(k));
    if (extra.length)
      throw new DomainError("BAD_REQUEST", `unknown input ${extra.join(", ")} (the model takes ${session.inputNames.join(", ")})`, "feeds");
    const out = await session.run(tensors);
    const outputs: Record<string, Nested> = {};
    const dims: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(out)) {
      dims[name] = [...t.dims];
      outputs[name] = toNested(t.data as ArrayLike<number | bigint>, t.dims);
    }
    return { outputs, dims };
  });
}

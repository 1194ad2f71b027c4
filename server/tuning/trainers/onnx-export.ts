/**
 * A trained head as an ONNX graph, encoded by hand: no onnx toolchain or protobuf dependency.
 * Input `embedding` float32 [N, D], output `probabilities` float32 [N, C]:
 *   logistic: MatMul(W1) → Add(b1) → Softmax(axis -1)
 *   mlp:      MatMul(W1) → Add(b1) → Relu → MatMul(W2) → Add(b2) → Softmax(axis -1)
 * IR version 8, default-domain opset 13. Field numbers are from onnx/onnx.proto (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto).
 * Weights go in TensorProto.raw_data as little-endian float32, the layout ONNX requires.
 */
import type { HeadParams } from "./head-math";

type Part = Uint8Array;

function varint(n: number): Part {
  const out: number[] = [];
  let v = n;
  while (v > 127) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function concat(parts: Part[]): Part {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const key = (field: number, wire: number) => varint(field * 8 + wire);
/** a varint field (int64/int32/enum); negative numbers as 10-byte two's complement */
function int(field: number, n: number): Part {
  if (n >= 0) return concat([key(field, WIRE_VARINT), varint(n)]);
  const big = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  let v = big;
  while (v > 127n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return concat([key(field, WIRE_VARINT), Uint8Array.from(out)]);
}
const bytes = (field: number, b: Part) => concat([key(field, WIRE_LEN), varint(b.length), b]);
const msg = (field: number, parts: Part[]) => bytes(field, concat(parts));
const str = (field: number, s: string) => bytes(field, new TextEncoder().encode(s));

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

function littleEndian(values: Float32Array): Part {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 */
const tensor = (name: string, dims: number[], values: Float32Array) =>
  concat([...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, littleEndian(values))]);

/** TensorShapeProto.Dimension: dim_value = 1, dim_param = 2 */
const dim = (d: number | string) => msg(1, [typeof d === "number" ? int(1, d) : str(2, d)]);
/** ValueInfoProto: name = 1, type = 2 (TypeProto.tensor_type = 1: elem_type = 1, shape = 2) */
const valueInfo = (name: string, dims: (number | string)[]) =>
  concat([str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, dims.map(dim))])])]);

/** AttributeProto with an int: name = 1, i = 3, type = 20 */
const intAttr = (name: string, n: number) => concat([str(1, name), int(3, n), int(20, ATTR_INT)]);
/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5 */
const node = (op: string, name: string, inputs: string[], outputs: string[], attrs: Part[] = []) =>
  concat([...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op), ...attrs.map((a) => bytes(5, a))]);

export const HEAD_INPUT = "embedding";
export const HEAD_OUTPUT = "probabilities";

/** The head as ONNX ModelProto bytes; `metadata` goes into metadata_props (string → string). */
export function headToOnnx(p: HeadParams, metadata: Record<string, string> = {}): Uint8Array {
  const nodes: Part[] = [];
  const inits: Part[] = [];
  nodes.push(node("MatMul", "matmul1", [HEAD_INPUT, "W1"], ["xw1"]), node("Add", "add1", ["xw1", "B1"], ["z1"]));
  const width = p.kind === "logistic" ? p.classes : p.hidden;
  inits.push(tensor("W1", [p.dim, width], p.w1), tensor("B1", [width], p.b1));
  let logits = "z1";
  if (p.kind === "mlp") {
    if (!p.w2 || !p.b2) throw new Error("mlp head without its second layer");
    nodes.push(
      node("Relu", "relu1", ["z1"], ["h1"]),
      node("MatMul", "matmul2", ["h1", "W2"], ["hw2"]),
      node("Add", "add2", ["hw2", "B2"], ["z2"]),
    );
    inits.push(tensor("W2", [p.hidden, p.classes], p.w2), tensor("B2", [p.classes], p.b2));
    logits = "z2";
  }
  nodes.push(node("Softmax", "softmax", [logits], [HEAD_OUTPUT], [intAttr("axis", -1)]));
  // GraphProto: node = 1, name = 2, initializer = 5, doc_string = 10, input = 11, output = 12
  const graph = concat([
    ...nodes.map((n) => bytes(1, n)),
    str(2, `keel_head_${p.kind}`),
    ...inits.map((t) => bytes(5, t)),
    bytes(11, valueInfo(HEAD_INPUT, ["N", p.dim])),
    bytes(12, valueInfo(HEAD_OUTPUT, ["N", p.classes])),
  ]);
  // ModelProto: ir_version = 1, producer_name = 2, producer_version = 3, graph = 7, opset_import = 8,
  // metadata_props = 14 (StringStringEntryProto: key = 1, value = 2); OperatorSetIdProto: domain = 1, version = 2
  return concat([
    int(1, 8),
    str(2, "keel"),
    str(3, "1"),
    bytes(7, graph),
    msg(8, [str(1, ""), int(2, 13)]),
    ...Object.entries(metadata).map(([k, v]) => msg(14, [str(1, k), str(2, v)])),
  ]);
}

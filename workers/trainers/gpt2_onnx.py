"""GPT-2 weights <-> the transformers.js layout.

Reading: a transformers.js model folder keeps Hugging Face parameter names on its ONNX initializers
(fp16 copies carry a `_fp16` suffix and are cast back), so the state dict is rebuilt from them;
`model.safetensors` wins when present.

Writing: the graph is built here node by node with onnx.helper rather than traced by torch.onnx, so
the inputs and outputs are exactly the ones transformers.js feeds a decoder with a KV cache
(input_ids, attention_mask, position_ids, past_key_values.{i}.key/value ->
logits, present.{i}.key/value; cache tensors [batch, heads, seq, head_dim]) whatever the torch
version, and the initializers keep Hugging Face names so a fine-tuned model can be fine-tuned again.
Needs numpy and onnx only.
"""

from __future__ import annotations

import math
import os

import numpy as np

# Conv1D weights are stored [in, out], as Hugging Face GPT-2 keeps them.
LAYER_KEYS = (
    "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
    "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
    "mlp.c_proj.weight", "mlp.c_proj.bias",
)


def required_keys(config: dict) -> list[str]:
    keys = ["transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.ln_f.bias"]
    for i in range(config["n_layer"]):
        keys += [f"transformer.h.{i}.{k}" for k in LAYER_KEYS]
    if not config.get("tie_word_embeddings", True):
        keys.append("lm_head.weight")
    return keys


def read_state_dict(model_dir: str, config: dict) -> tuple[dict[str, np.ndarray], str]:
    """fp32 numpy arrays keyed by Hugging Face names, and where they came from."""
    st = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(st):
        from safetensors.numpy import load_file

        raw = load_file(st)
        tensors = {k: v.astype(np.float32) for k, v in raw.items()}
        source = "model.safetensors"
    else:
        import onnx
        from onnx import numpy_helper

        path = os.path.join(model_dir, "onnx", "model.onnx")
        if not os.path.exists(path):
            raise FileNotFoundError(f"neither model.safetensors nor onnx/model.onnx in {model_dir}")
        graph = onnx.load(path, load_external_data=True).graph
        tensors = {}
        for init in graph.initializer:
            name = init.name[: -len("_fp16")] if init.name.endswith("_fp16") else init.name
            tensors[name] = numpy_helper.to_array(init).astype(np.float32)
        source = "onnx/model.onnx initializers"
    # some exports drop the `transformer.` prefix
    for k in list(tensors):
        if not k.startswith(("transformer.", "lm_head.")):
            tensors.setdefault(f"transformer.{k}", tensors[k])
    missing = [k for k in required_keys(config) if k not in tensors]
    if missing:
        raise ValueError(f"{source} lacks {len(missing)} GPT-2 weights (e.g. {', '.join(missing[:4])}); "
                         "only exports that keep Hugging Face parameter names can be rebuilt")
    return {k: tensors[k] for k in required_keys(config)}, source


def build_onnx(config: dict, weights: dict[str, np.ndarray]):
    """A GPT-2 decoder with KV cache as an onnx.ModelProto (opset 17, fp32)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    n_layer, n_head, n_embd = config["n_layer"], config["n_head"], config["n_embd"]
    head_dim = n_embd // n_head
    eps = float(config.get("layer_norm_epsilon", 1e-5))
    act = config.get("activation_function", "gelu_new")
    if act not in ("gelu_new", "gelu_pytorch_tanh", "gelu", "gelu_fast"):
        raise ValueError(f"activation {act} is not supported by the exporter")
    nodes, inits = [], []
    counter = [0]

    def const(value, dtype=np.float32, name=None):
        counter[0] += 1
        n = name or f"const_{counter[0]}"
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def node(op, inputs, out=None, **attrs):
        counter[0] += 1
        o = out or f"{op.lower()}_{counter[0]}"
        nodes.append(helper.make_node(op, inputs, [o], name=f"n{counter[0]}_{op}", **attrs))
        return o

    for k, v in weights.items():
        inits.append(numpy_helper.from_array(np.ascontiguousarray(v, dtype=np.float32), k))

    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch_size", "total_sequence_length"]),
        helper.make_tensor_value_info("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
    ]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", config["vocab_size"]])]
    for i in range(n_layer):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info(f"past_key_values.{i}.{kv}", TensorProto.FLOAT,
                                                        ["batch_size", n_head, "past_sequence_length", head_dim]))
            outputs.append(helper.make_tensor_value_info(f"present.{i}.{kv}", TensorProto.FLOAT,
                                                         ["batch_size", n_head, "total_sequence_length", head_dim]))

    # allowed[b, 1, q, k] = (k <= past + q) and attention_mask[b, k]
    zero, one = const(0, np.int64), const(1, np.int64)
    seq = node("Gather", [node("Shape", ["input_ids"]), one], axis=0)
    total = node("Gather", [node("Shape", ["attention_mask"]), one], axis=0)
    past = node("Sub", [total, seq])
    q_pos = node("Unsqueeze", [node("Add", [node("Range", [zero, seq, one]), past]), const([1], np.int64)])
    k_pos = node("Unsqueeze", [node("Range", [zero, total, one]), const([0], np.int64)])
    causal = node("LessOrEqual", [k_pos, q_pos])
    keep = node("Unsqueeze", [node("Cast", ["attention_mask"], to=TensorProto.BOOL), const([1, 2], np.int64)])
    allowed = node("And", [causal, keep])
    masked = const(np.finfo(np.float32).min)

    h = node("Add", [node("Gather", ["transformer.wte.weight", "input_ids"], axis=0),
                     node("Gather", ["transformer.wpe.weight", "position_ids"], axis=0)])
    heads_shape = const([0, 0, n_head, head_dim], np.int64)
    merged_shape = const([0, 0, n_embd], np.int64)
    split_sizes = const([n_embd] * 3, np.int64)
    half, one_f = const(0.5), const(1.0)
    if act == "gelu":
        sqrt2 = const(math.sqrt(2.0))
    else:
        c_gelu, c_cube = const(math.sqrt(2 / math.pi)), const(0.044715)

    def linear(x, prefix):
        return node("Add", [node("MatMul", [x, f"{prefix}.weight"]), f"{prefix}.bias"])

    def layer_norm(x, prefix):
        return node("LayerNormalization", [x, f"{prefix}.weight", f"{prefix}.bias"], axis=-1, epsilon=eps)

    def gelu(x):
        if act == "gelu":  # exact, erf
            return node("Mul", [node("Mul", [x, half]), node("Add", [one_f, node("Erf", [node("Div", [x, sqrt2])])])])
        cube = node("Mul", [node("Mul", [x, x]), x])
        inner = node("Mul", [c_gelu, node("Add", [x, node("Mul", [c_cube, cube])])])
        return node("Mul", [node("Mul", [half, x]), node("Add", [one_f, node("Tanh", [inner])])])

    for i in range(n_layer):
        p = f"transformer.h.{i}"
        q, k, v = (f"split_{i}_{n}" for n in "qkv")
        nodes.append(helper.make_node("Split", [linear(layer_norm(h, f"{p}.ln_1"), f"{p}.attn.c_attn"), split_sizes],
                                      [q, k, v], axis=2, name=f"split_{i}"))
        def heads(t):
            return node("Transpose", [node("Reshape", [t, heads_shape])], perm=[0, 2, 1, 3])
        key = node("Concat", [f"past_key_values.{i}.key", heads(k)], f"present.{i}.key", axis=2)
        value = node("Concat", [f"past_key_values.{i}.value", heads(v)], f"present.{i}.value", axis=2)
        scale = 1.0
        if config.get("scale_attn_weights", True):
            scale /= math.sqrt(head_dim)
        if config.get("scale_attn_by_inverse_layer_idx", False):
            scale /= float(i + 1)
        scores = node("Mul", [node("MatMul", [heads(q), node("Transpose", [key], perm=[0, 1, 3, 2])]), const(scale)])
        probs = node("Softmax", [node("Where", [allowed, scores, masked])], axis=-1)
        ctx = node("Reshape", [node("Transpose", [node("MatMul", [probs, value])], perm=[0, 2, 1, 3]), merged_shape])
        h = node("Add", [h, linear(ctx, f"{p}.attn.c_proj")])
        mlp = linear(gelu(linear(layer_norm(h, f"{p}.ln_2"), f"{p}.mlp.c_fc")), f"{p}.mlp.c_proj")
        h = node("Add", [h, mlp])

    h = layer_norm(h, "transformer.ln_f")
    head = "lm_head.weight" if "lm_head.weight" in weights else "transformer.wte.weight"
    node("MatMul", [h, node("Transpose", [head], perm=[1, 0])], "logits")

    graph = helper.make_graph(nodes, "gpt2", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="keel-sft")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def save_onnx(model, path: str) -> None:
    import onnx

    os.makedirs(os.path.dirname(path), exist_ok=True)
    # one file up to the 2 GB protobuf limit; transformers.js also reads model.onnx_data beside it
    big = model.ByteSize() > 1_800_000_000
    onnx.save_model(model, path, save_as_external_data=big, all_tensors_to_one_file=True,
                    location=os.path.basename(path) + "_data" if big else None)


def quantize_q8(src: str, dst: str) -> None:
    """Dynamic int8 weights for MatMul/Gather, as transformers.js `dtype: "q8"` expects."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(src, dst, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"])


def ort_greedy(path: str, config: dict, prompt_ids: list[int], max_new_tokens: int, eos: int | None) -> list[int]:
    """Greedy decoding through onnxruntime feeding the KV cache back, as transformers.js does."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    n_head, head_dim = config["n_head"], config["n_embd"] // config["n_head"]
    past = {f"past_key_values.{i}.{kv}": np.zeros((1, n_head, 0, head_dim), np.float32)
            for i in range(config["n_layer"]) for kv in ("key", "value")}
    ids, out = list(prompt_ids), []
    step_ids = ids
    for _ in range(max_new_tokens):
        total = len(ids)
        feed = {
            "input_ids": np.array([step_ids], np.int64),
            "attention_mask": np.ones((1, total), np.int64),
            "position_ids": np.arange(total - len(step_ids), total, dtype=np.int64)[None, :],
            **past,
        }
        names = [o.name for o in sess.get_outputs()]
        res = dict(zip(names, sess.run(None, feed)))
        nxt = int(np.argmax(res["logits"][0, -1]))
        out.append(nxt)
        if eos is not None and nxt == eos:
            break
        ids.append(nxt)
        step_ids = [nxt]
        past = {k: res[k.replace("past_key_values", "present")] for k in past}
    return out

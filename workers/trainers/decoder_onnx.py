"""Decoder-only language models <-> the transformers.js layout, for GPT-2 and the Llama family.

Architectures: `ARCHITECTURES` (config.json `model_type` -> transformers class). Anything else is
refused by `check_architecture` with a message naming it, before any weight is read.

Reading: a transformers.js folder keeps Hugging Face parameter names on its ONNX initializers (fp16
copies carry a `_fp16` suffix and are cast back), so the state dict is rebuilt from them;
`model.safetensors` wins when present.

Writing: `torch.onnx.export` (the TorchScript exporter, `dynamo=False`: it needs no onnxscript and
traces transformers' own forward, cache and masks) of a wrapper whose inputs and outputs are the
ones transformers.js feeds a decoder with a KV cache: input_ids, attention_mask, position_ids,
past_key_values.{i}.key/value -> logits, present.{i}.key/value (cache tensors [batch, kv_heads, seq,
head_dim]). Two choices keep the result re-trainable: constants are not folded (a Linear's weight
stays one initializer under its own name, read through a Transpose node that onnxruntime folds at
load time) and initializers are not deduplicated (two equal LayerNorm weights stay two names); the
names are then rewritten to Hugging Face's own (the wrapper's prefix dropped).
"""

from __future__ import annotations

import os

import numpy as np

# model_type -> (transformers class, default LoRA targets, LoRA fan_in_fan_out)
LLAMA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
ARCHITECTURES = {
    "gpt2": ("GPT2LMHeadModel", ["c_attn", "c_proj", "c_fc"], True),  # Conv1D keeps weights [in, out]
    "llama": ("LlamaForCausalLM", LLAMA_TARGETS, False),  # also SmolLM, TinyLlama, ...
    "mistral": ("MistralForCausalLM", LLAMA_TARGETS, False),
    "qwen2": ("Qwen2ForCausalLM", LLAMA_TARGETS, False),
}
# config.json keys that describe the file, not the model
CONFIG_SKIP = {"transformers_version", "architectures", "torch_dtype", "dtype", "model_type"}
PREFIX = "m."  # the wrapper's attribute; dropped from the exported names


def check_architecture(config: dict) -> str:
    """The config's model_type when the trainer knows it; else a ValueError naming it."""
    mt = config.get("model_type")
    if mt not in ARCHITECTURES:
        arch = ", ".join(config.get("architectures") or []) or "none given"
        raise ValueError(f"architecture {mt!r} ({arch}) is not supported by the lora/full trainers; "
                         f"supported model_type values: {', '.join(sorted(ARCHITECTURES))}")
    return mt


def dims(config: dict) -> tuple[int, int, int]:
    """(layers, kv heads, head dim) of the cache tensors, as transformers.js computes them."""
    if config["model_type"] == "gpt2":
        return config["n_layer"], config["n_head"], config["n_embd"] // config["n_head"]
    heads = config["num_attention_heads"]
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    return config["num_hidden_layers"], config.get("num_key_value_heads") or heads, head_dim


def max_positions(config: dict) -> int:
    return int(config.get("n_positions") or config.get("max_position_embeddings") or 2048)


def build_model(config: dict, weights: dict[str, np.ndarray] | None = None):
    """The transformers model for config.json, with `weights` loaded (random init when None)."""
    import torch
    import transformers

    mt = check_architecture(config)
    cls = getattr(transformers, ARCHITECTURES[mt][0])
    hf_cfg = transformers.AutoConfig.for_model(mt, **{k: v for k, v in config.items() if k not in CONFIG_SKIP})
    hf_cfg._attn_implementation = "eager"  # traces to plain ONNX ops; the same maths as sdpa
    model = cls(hf_cfg)
    if weights is None:
        return model
    state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in weights.items()}
    tied = hf_cfg.tie_word_embeddings
    # strict=False: non-persistent buffers (rotary frequencies, GPT-2's causal mask) are not weights
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not (tied and k == "lm_head.weight")
               and not k.endswith((".attn.bias", ".masked_bias", "rotary_emb.inv_freq"))]
    if missing:
        raise ValueError(f"weights missing for {len(missing)} parameters (e.g. {', '.join(missing[:4])}); "
                         "only exports that keep Hugging Face parameter names can be rebuilt")
    if tied:
        model.tie_weights()
    return model


def read_state_dict(model_dir: str) -> tuple[dict[str, np.ndarray], str]:
    """fp32 numpy arrays keyed by Hugging Face names, and where they came from."""
    st = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(st):
        from safetensors.numpy import load_file

        return {k: v.astype(np.float32) for k, v in load_file(st).items()}, "model.safetensors"
    import onnx
    from onnx import numpy_helper

    path = os.path.join(model_dir, "onnx", "model.onnx")
    if not os.path.exists(path):
        raise FileNotFoundError(f"neither model.safetensors nor onnx/model.onnx in {model_dir}")
    tensors = {}
    for init in onnx.load(path, load_external_data=True).graph.initializer:
        name = init.name[: -len("_fp16")] if init.name.endswith("_fp16") else init.name
        if "." in name:  # Hugging Face names; the exporter's own constants have none
            tensors[name] = numpy_helper.to_array(init).astype(np.float32)
    return tensors, "onnx/model.onnx initializers"


def export_onnx(model, config: dict, path: str) -> None:
    """The model's fp32 decoder graph with KV cache at `path`, initializers under Hugging Face names."""
    import onnx
    import torch
    from transformers import DynamicCache

    n_layer, kv_heads, head_dim = dims(config)

    class Wrapper(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m  # its parameters export as PREFIX + the Hugging Face name

        def forward(self, input_ids, attention_mask, position_ids, *past):
            cache = DynamicCache(config=self.m.config)
            for i in range(n_layer):
                cache.update(past[2 * i], past[2 * i + 1], i)
            out = self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=cache, use_cache=True)
            present = []
            for layer in out.past_key_values.layers:
                present += [layer.keys, layer.values]
            return (out.logits, *present)

    names_in = ["input_ids", "attention_mask", "position_ids"]
    names_out = ["logits"]
    axes = {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
            "position_ids": {0: "batch_size", 1: "sequence_length"},
            "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(n_layer):
        for kv in ("key", "value"):
            names_in.append(f"past_key_values.{i}.{kv}")
            names_out.append(f"present.{i}.{kv}")
            axes[names_in[-1]] = {0: "batch_size", 2: "past_sequence_length"}
            axes[names_out[-1]] = {0: "batch_size", 2: "total_sequence_length"}
    # traced with a past and a step longer than one, so neither length is taken for a constant
    b, s, p = 2, 3, 2
    sample = (torch.ones(b, s, dtype=torch.long), torch.ones(b, s + p, dtype=torch.long),
              torch.arange(p, p + s).repeat(b, 1),
              *[torch.zeros(b, kv_heads, p, head_dim) for _ in range(2 * n_layer)])
    model = model.to("cpu").float().eval()
    model.set_attn_implementation("eager")  # plain MatMul/Softmax ops; sdpa's masks trace less predictably
    os.makedirs(os.path.dirname(path), exist_ok=True)
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings on transformers' Python branches, expected
        # the wrapper made in eval mode: the exporter restores its mode afterwards, recursively, and a
        # wrapper in training mode would leave the model's dropout switched on
        torch.onnx.export(Wrapper(model).eval(), sample, path, dynamo=False, input_names=names_in, output_names=names_out,
                          dynamic_axes=axes, opset_version=17, do_constant_folding=False,
                          keep_initializers_as_inputs=True)  # True: no deduplication of equal weights
    proto = onnx.load(path, load_external_data=True)
    graph = proto.graph
    inits = {i.name for i in graph.initializer}
    keep = [i for i in graph.input if i.name not in inits]  # initializers are weights, not inputs
    del graph.input[:]
    graph.input.extend(keep)
    rename = {n: n[len(PREFIX):] for n in inits if n.startswith(PREFIX)}
    for init in graph.initializer:
        init.name = rename.get(init.name, init.name)
    for node in graph.node:
        for j, name in enumerate(node.input):
            if name in rename:
                node.input[j] = rename[name]
    proto.producer_name = "keel-sft"
    onnx.checker.check_model(proto)
    save_onnx(proto, path)


def save_onnx(proto, path: str) -> None:
    import onnx

    for f in (path, path + "_data"):
        if os.path.exists(f):
            os.remove(f)
    # one file up to the 2 GB protobuf limit; transformers.js also reads model.onnx_data beside it
    big = proto.ByteSize() > 1_800_000_000
    onnx.save_model(proto, path, save_as_external_data=big, all_tensors_to_one_file=True,
                    location=os.path.basename(path) + "_data" if big else None)


def quantize_q8(src: str, dst: str) -> None:
    """Dynamic int8 weights for MatMul/Gather, as transformers.js `dtype: "q8"` expects.

    The fp32 graph reads each Linear weight through a Transpose (see the module docstring); onnxruntime's
    basic (ONNX-standard) optimisation folds those first, so the quantizer sees weight initializers."""
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folded = dst + ".folded.onnx"
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    opts.optimized_model_filepath = folded
    ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])
    try:
        quantize_dynamic(folded, dst, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"])
    finally:
        os.remove(folded)


_SESSIONS: dict = {}


def _session(path: str):
    """One onnxruntime session per file for the process: the check decodes several prompts on it."""
    import onnxruntime as ort

    key = (path, os.path.getmtime(path))
    if key not in _SESSIONS:
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        _SESSIONS[key] = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    return _SESSIONS[key]


def ort_greedy(path: str, config: dict, prompt_ids: list[int], max_new_tokens: int, eos: int | None) -> list[int]:
    """Greedy decoding through onnxruntime feeding the KV cache back, as transformers.js does."""
    sess = _session(path)
    n_layer, kv_heads, head_dim = dims(config)
    past = {f"past_key_values.{i}.{kv}": np.zeros((1, kv_heads, 0, head_dim), np.float32)
            for i in range(n_layer) for kv in ("key", "value")}
    names = [o.name for o in sess.get_outputs()]
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
        res = dict(zip(names, sess.run(None, feed)))
        nxt = int(np.argmax(res["logits"][0, -1]))
        out.append(nxt)
        if eos is not None and nxt == eos:
            break
        ids.append(nxt)
        step_ids = [nxt]
        past = {k: res[k.replace("past_key_values", "present")] for k in past}
    return out

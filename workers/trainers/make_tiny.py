#!/usr/bin/env python3
"""A tiny random-initialised decoder in the transformers.js layout, for tests and smoke runs.

    python3 workers/trainers/make_tiny.py OUT_DIR MODEL_TYPE[:untied] [MODEL_TYPE ...] --tokenizer-from DIR
        [--layers 2] [--hidden 64] [--heads 4] [--kv-heads 2] [--seed 0]

Each MODEL_TYPE (one of decoder_onnx.ARCHITECTURES: gpt2, llama, mistral, qwen2) goes to
OUT_DIR/tiny-MODEL_TYPE, in one process (torch is imported once); `:untied` gives the model its own
lm_head instead of the input embedding's transpose. The tokenizer files
(and so the vocabulary size) come from --tokenizer-from, e.g. models/tiny-gpt2; nothing is downloaded.
The model is exported with the trainer's own exporter (decoder_onnx.export_onnx), so the folder is
exactly what a fine-tuning job would produce. Prints one JSON line per model: {"dir", "model_type", "parameters"}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt")


def tiny_config(model_type: str, vocab: int, a: argparse.Namespace, special: dict, tie: bool) -> dict:
    if model_type == "gpt2":
        return {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "vocab_size": vocab, "n_positions": 256,
                "n_ctx": 256, "n_embd": a.hidden, "n_layer": a.layers, "n_head": a.heads,
                "activation_function": "gelu_new", "tie_word_embeddings": tie, "initializer_range": 0.1, **special}
    from decoder_onnx import ARCHITECTURES

    cfg = {"model_type": model_type, "architectures": [ARCHITECTURES[model_type][0]], "vocab_size": vocab,
           "hidden_size": a.hidden, "intermediate_size": a.hidden * 2, "num_hidden_layers": a.layers,
           "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "head_dim": a.hidden // a.heads,
           "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
           "tie_word_embeddings": tie, "use_cache": True,
           # wider than the usual 0.02: a random model's logits then rarely tie, so greedy tokens are stable
           "initializer_range": 0.1, **special}
    if model_type == "mistral":
        cfg["sliding_window"] = None
    if model_type == "qwen2":
        cfg["use_sliding_window"] = False
    return cfg


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("model_types", nargs="+")
    ap.add_argument("--tokenizer-from", required=True)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    import torch

    from decoder_onnx import build_model, check_architecture, export_onnx

    src = a.tokenizer_from
    with open(os.path.join(src, "config.json")) as f:
        src_cfg = json.load(f)
    with open(os.path.join(src, "tokenizer.json")) as f:
        vocab = len(json.load(f)["model"]["vocab"])
    vocab = max(vocab, int(src_cfg.get("vocab_size", 0)))
    special = {k: src_cfg[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id") if k in src_cfg}
    for spec in a.model_types:
        model_type, _, flag = spec.partition(":")
        if flag not in ("", "untied"):
            raise SystemExit(f"{spec}: the only flag is :untied")
        out = os.path.join(a.out_dir, f"tiny-{model_type}")
        cfg = tiny_config(model_type, vocab, a, special, tie=flag != "untied")
        check_architecture(cfg)
        torch.manual_seed(a.seed)
        model = build_model(cfg)
        with torch.no_grad():  # random norms too, so no two weights are equal and every name is exercised
            for name, p in model.named_parameters():
                if p.ndim == 1:
                    p.copy_(1.0 + 0.1 * torch.randn_like(p) if name.endswith("weight") else 0.02 * torch.randn_like(p))
        os.makedirs(out, exist_ok=True)
        export_onnx(model, cfg, os.path.join(out, "onnx", "model.onnx"))
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump({**cfg, "torch_dtype": "float32"}, f, indent=2)
        with open(os.path.join(out, "generation_config.json"), "w") as f:
            json.dump(special, f)
        for name in TOKENIZER_FILES:
            if os.path.exists(os.path.join(src, name)):
                shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
        print(json.dumps({"dir": out, "model_type": model_type, "parameters": model.num_parameters()}), flush=True)

if __name__ == "__main__":
    main()

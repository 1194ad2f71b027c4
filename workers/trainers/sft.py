#!/usr/bin/env python3
"""Supervised fine-tuning (SFT) of a decoder model kept in the transformers.js layout: GPT-2 and the
Llama family (Llama, SmolLM, Mistral, Qwen2; see decoder_onnx.ARCHITECTURES).

    python3 workers/trainers/sft.py CONFIG.json

Reads the config (see README.md), rebuilds the base model from config.json plus the ONNX
initializers (or model.safetensors), then, by `method`:

- `lora` (default): trains LoRA adapters with peft, saves them under adapter/ and merges them into
  the base weights;
- `full`: trains every weight of the model with AdamW (no adapters; tied embeddings stay tied).

Either way it exports the transformers.js layout with torch.onnx.export (onnx/model.onnx fp32 with
KV cache, onnx/model_quantized.onnx q8, config, tokenizer, generation config) and checks that
onnxruntime's greedy decoding with the cache gives the PyTorch model's tokens before reporting.
stdout carries JSON lines only: log, metric, result, error; exit 1 on error.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

DEFAULTS = {
    "r": 8, "alpha": 16, "dropout": 0.05, "target_modules": None,  # None: the architecture's defaults
    "learning_rate": 2e-4, "weight_decay": 0.0, "warmup_steps": 0, "epochs": 1, "max_steps": None,
    "batch_size": 8, "max_length": 256, "seed": 0, "device": "cpu", "threads": None,
    "log_every": None, "quantize": True, "verify_prompts": 3, "verify_max_new_tokens": 8,
    "method": "lora",
}
METHODS = ("lora", "full")
COPIED = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
          "tokenizer.model", "chat_template.jinja")


def emit(kind: str, **fields) -> None:
    sys.stdout.write(json.dumps({"type": kind, **fields}, allow_nan=False) + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    emit("log", message=message)


def load_config(path: str) -> dict:
    with open(path) as f:
        raw = json.load(f)
    cfg = {**DEFAULTS, **raw.get("hyperparameters", {}), **{k: v for k, v in raw.items() if k != "hyperparameters"}}
    for key in ("base_model_dir", "dataset_path", "output_dir"):
        if not cfg.get(key):
            raise ValueError(f"config needs {key}")
    if cfg["device"] not in ("cpu", "cuda"):
        raise ValueError("device must be cpu or cuda")
    if cfg["method"] not in METHODS:
        raise ValueError(f"method must be lora or full, not {cfg['method']!r}")
    if cfg["method"] == "lora" and int(cfg["r"]) < 1:
        raise ValueError("r must be >= 1")
    if int(cfg["batch_size"]) < 1 or int(cfg["max_length"]) < 2:
        raise ValueError("batch_size must be >= 1 and max_length >= 2")
    return cfg


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        emit("error", message="usage: sft.py CONFIG.json")
        return 2
    try:
        run(load_config(argv[1]))
        return 0
    except Exception as e:  # one error line for the worker; the traceback goes to stderr
        traceback.print_exc(file=sys.stderr)
        emit("error", message=f"{type(e).__name__}: {e}")
        return 1


def run(cfg: dict) -> None:
    t0 = time.time()
    from sft_rows import Tokenizer, load_rows

    from decoder_onnx import ARCHITECTURES, check_architecture

    # the architecture and the data first: a bad base model or row fails in a second, before torch is imported
    base, out_dir = cfg["base_model_dir"], cfg["output_dir"]
    with open(os.path.join(base, "config.json")) as f:
        model_cfg = json.load(f)
    arch = check_architecture(model_cfg)
    tok = Tokenizer(base)
    rows = load_rows(cfg["dataset_path"], tok)
    if not rows:
        raise ValueError(f"{cfg['dataset_path']}: no usable rows")
    log(f"{len(rows)} training rows from {os.path.basename(cfg['dataset_path'])}")

    import numpy as np
    import torch

    from decoder_onnx import build_model, export_onnx, ort_greedy, quantize_q8, read_state_dict

    torch.manual_seed(int(cfg["seed"]))
    np.random.seed(int(cfg["seed"]))
    if cfg["threads"]:
        torch.set_num_threads(int(cfg["threads"]))
    if cfg["device"] == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device cuda asked for, but torch sees no CUDA device")
    device = torch.device(cfg["device"])

    weights, source = read_state_dict(base)
    model = build_model(model_cfg, weights)
    weights = {k: v for k, v in weights.items() if k in model.state_dict()}  # the base weights, by name
    log(f"rebuilt {ARCHITECTURES[arch][0]} from {source} ({model.num_parameters()} parameters)")
    model.set_attn_implementation("sdpa")  # for training; the export traces the eager path
    model = model.to(device)

    if cfg["method"] == "full":
        impl = None
        for p in model.parameters():
            p.requires_grad_(True)
        trainable = sum(p.numel() for p in model.parameters())  # a tied lm_head/wte counts once
        log(f"full fine-tuning: {trainable} trainable parameters")
    else:
        model, targets = add_adapters(model, cfg, arch)
        impl = "peft"
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        log(f"LoRA via peft: r={cfg['r']} alpha={cfg['alpha']} on {','.join(targets)}, {trainable} trainable parameters")
    metrics = train(model, rows, tok, cfg, device)

    if impl is None:
        if model.config.tie_word_embeddings and model.get_output_embeddings().weight is not model.get_input_embeddings().weight:
            raise AssertionError("the output embedding came untied from the input embedding during training")
        adapter_files, merged = [], model.to("cpu").eval()
    else:
        adapter_files = save_adapter(model, out_dir)
        merged = model.merge_and_unload().to("cpu").eval()
    merged_weights = {k: v.detach().float().numpy() for k, v in merged.state_dict().items()
                      if k in weights}
    metrics["max_weight_delta"] = float(max(np.abs(merged_weights[k] - weights[k]).max() for k in weights))

    onnx_path = os.path.join(out_dir, "onnx", "model.onnx")
    export_onnx(merged, model_cfg, onnx_path)
    log(f"exported onnx/model.onnx with torch.onnx.export ({os.path.getsize(onnx_path)} bytes)")
    files = ["onnx/model.onnx"]
    if cfg["quantize"]:
        quantize_q8(onnx_path, os.path.join(out_dir, "onnx", "model_quantized.onnx"))
        files.append("onnx/model_quantized.onnx")
    files += write_metadata(base, out_dir, model_cfg)

    verify = verify_export(merged, onnx_path, model_cfg, rows, tok, cfg, ort_greedy)
    if cfg["quantize"]:
        q = [ort_greedy(os.path.join(out_dir, "onnx", "model_quantized.onnx"), model_cfg, v["prompt_ids"],
                        int(cfg["verify_max_new_tokens"]), tok.eos_id) for v in verify]
        same = sum(a == v["tokens"] for a, v in zip(q, verify))
        metrics["q8_greedy_agreement"] = same / len(verify)
        log(f"q8 greedy decoding agrees with fp32 on {same}/{len(verify)} prompts")
    metrics["seconds"] = round(time.time() - t0, 3)
    emit("result", files=sorted(files + adapter_files), metrics=metrics, adapter=impl, verify=verify)


def add_adapters(model, cfg: dict, arch: str):
    from peft import LoraConfig, get_peft_model

    from decoder_onnx import ARCHITECTURES

    _, default_targets, fan_in_fan_out = ARCHITECTURES[arch]
    targets = list(cfg["target_modules"] or default_targets)
    lc = LoraConfig(r=int(cfg["r"]), lora_alpha=float(cfg["alpha"]), lora_dropout=float(cfg["dropout"]),
                    target_modules=targets, fan_in_fan_out=fan_in_fan_out,  # GPT-2's Conv1D keeps [in, out]
                    bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, lc), targets


def train(model, rows, tok, cfg: dict, device) -> dict:
    import torch

    from sft_rows import batches

    bs = int(cfg["batch_size"])
    per_epoch = math.ceil(len(rows) / bs)
    total = int(cfg["max_steps"]) if cfg["max_steps"] else per_epoch * int(cfg["epochs"])
    params = [p for p in model.parameters() if p.requires_grad]  # shared (tied) parameters once
    wd = float(cfg["weight_decay"])
    if cfg["method"] == "full":
        # as the Hugging Face Trainer does: no decay on biases and LayerNorm weights (1-D), decay on matrices
        groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": wd},
                  {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
    else:
        groups = [{"params": params, "weight_decay": wd}]
    # fused AdamW on CUDA: one kernel for every parameter instead of several per tensor
    opt = torch.optim.AdamW(groups, lr=float(cfg["learning_rate"]), **({"fused": True} if device.type == "cuda" else {}))
    warm = int(cfg["warmup_steps"])
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    model.train()
    # one metric line (and the one device sync) per log_every steps: 1 on the CPU, 10 on CUDA by default
    log_every = int(cfg["log_every"] or (10 if device.type == "cuda" else 1))
    log(f"training {total} steps (batch {bs}, {per_epoch} steps per epoch) on {device}")
    step, tokens_seen, started, losses = 0, 0, time.time(), []
    pending = []  # this interval's losses, left on the device until the interval ends
    interval_tokens, interval_start = 0, started
    gen = batches(rows, bs, int(cfg["max_length"]), tok.pad_id, int(cfg["seed"]))
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    while step < total:
        ids, mask, labels = next(gen)
        n_tok = int(mask.sum())  # counted on the CPU, before the copy: no device sync
        ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        lr = opt.param_groups[0]["lr"]  # the rate this step used
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        tokens_seen += n_tok
        interval_tokens += n_tok
        pending.append(loss.detach())
        if step % log_every == 0 or step == total:
            values = torch.stack(pending).float().cpu().tolist()  # waits for the device once per interval
            pending = []
            bad = next((i for i, v in enumerate(values) if not math.isfinite(v)), None)
            if bad is not None:
                raise FloatingPointError(f"loss is {values[bad]} at step {step - len(values) + bad + 1}")
            losses += values
            now = time.time()
            gpu = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None
            emit("metric", step=step, total_steps=total, epoch=round(step / per_epoch, 4), loss=values[-1],
                 learning_rate=lr, tokens_per_sec=round(interval_tokens / max(now - interval_start, 1e-9), 1),
                 gpu_memory_mb=gpu)
            interval_tokens, interval_start = 0, now
    elapsed = time.time() - started
    tail = losses[-max(1, len(losses) // 10):]
    return {"steps": step, "train_loss": sum(tail) / len(tail), "first_loss": losses[0], "tokens": tokens_seen,
            "train_seconds": round(elapsed, 3), "tokens_per_sec": round(tokens_seen / max(elapsed, 1e-9), 1)}


def save_adapter(model, out_dir: str) -> list[str]:
    adir = os.path.join(out_dir, "adapter")
    os.makedirs(adir, exist_ok=True)
    model.save_pretrained(adir)
    return [f"adapter/{f}" for f in sorted(os.listdir(adir)) if os.path.isfile(os.path.join(adir, f))]


def write_metadata(base: str, out_dir: str, model_cfg: dict) -> list[str]:
    files = []
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({**model_cfg, "torch_dtype": "float32"}, f, indent=2)
    files.append("config.json")
    gen = os.path.join(base, "generation_config.json")
    if os.path.exists(gen):
        shutil.copyfile(gen, os.path.join(out_dir, "generation_config.json"))
    else:
        with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
            json.dump({k: model_cfg[k] for k in ("bos_token_id", "eos_token_id", "pad_token_id") if k in model_cfg}, f)
    files.append("generation_config.json")
    for name in COPIED:
        if os.path.exists(os.path.join(base, name)):
            shutil.copyfile(os.path.join(base, name), os.path.join(out_dir, name))
            files.append(name)
    return files


def verify_export(merged, onnx_path: str, model_cfg: dict, rows, tok, cfg: dict, ort_greedy) -> list[dict]:
    """PyTorch greedy decoding (with its own cache) vs onnxruntime on the exported graph: must agree."""
    import torch

    from decoder_onnx import max_positions

    want_prompts = cfg["verify_prompts"]
    if isinstance(want_prompts, list):  # explicit prompts, e.g. ones the base model continues
        prompts = [{"prompt": p, "prompt_ids": tok.encode(p)} for p in want_prompts]
    else:
        prompts = rows[: max(1, int(want_prompts))]
    max_new = int(cfg["verify_max_new_tokens"])
    checks = []
    for row in prompts:
        ids = row["prompt_ids"][-(max_positions(model_cfg) - max_new):]
        with torch.no_grad():
            out = merged.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                                  max_new_tokens=max_new, do_sample=False, use_cache=True,
                                  eos_token_id=tok.eos_id, pad_token_id=tok.pad_id)
        want = out[0, len(ids):].tolist()
        got = ort_greedy(onnx_path, model_cfg, ids, max_new, tok.eos_id)
        if got != want:
            raise AssertionError(f"exported model decodes {got}, PyTorch decodes {want} for {row['prompt']!r}")
        checks.append({"prompt": row["prompt"], "prompt_ids": ids, "tokens": want, "text": tok.decode(want)})
    log(f"onnxruntime greedy decoding with the KV cache matches PyTorch on {len(checks)} prompts")
    return checks


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""GPU check of the SFT trainer, method lora: needs torch, transformers, peft, onnx, onnxruntime; no Node,
no network.

    python3 workers/trainers/gpu_check.py [--device cuda] [--steps 200] [--data PATH.tsv.gz] [--models gpt2,llama]
    python3 workers/trainers/gpu_check.py --smoke     # CPU, a few steps and rows: checks the script runs

For each model: `gpt2` is the bundled tiny-gpt2 (--model-dir); `llama` is a tiny random-initialised
Llama (--llama-layers, --llama-hidden; grouped-query attention, tiny-gpt2's tokenizer) built first by
make_tiny.py with the trainer's own exporter, so the run also covers rebuilding a Llama from its
exported ONNX. Then, per model:

1. Builds a sentiment SFT set from sentiment.tsv.gz (label, split, text): prompt
   "Review: <text>\\nSentiment:", completion " positive" / " negative"; train rows from the train
   split, held-out rows from the test split.
2. Held-out accuracy of the base model before tuning: the completion with the higher log-likelihood wins.
3. Runs sft.py with method lora (the real trainer, as a subprocess, JSON lines) for --steps steps
   on --device: it trains, merges, exports fp32 + q8 and verifies onnxruntime greedy decoding with
   the KV cache against PyTorch (it fails otherwise).
4. Held-out accuracy after, on the model rebuilt from the exported ONNX (the round trip).
5. Baseline: the same LoRA (peft, same target modules) with the Hugging Face Trainer, same data,
   steps, batch, learning rate; its tokens/s and held-out accuracy, and Keel's steady tokens/s over
   the Trainer's (`speedup_vs_hf_trainer`; the goal is at least 1.3).
Prints one JSON object on stdout ({"models": {name: report}, ...}) (progress goes to stderr); exit 1 when the trainer fails.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)


def say(msg: str) -> None:
    print(f"[gpu_check] {msg}", file=sys.stderr, flush=True)


def find_data(given: str | None) -> str:
    for p in [given] if given else [os.path.join(REPO, "shared/datasets/sentiment.tsv.gz"),
                                    os.path.join(REPO, "../shared/datasets/sentiment.tsv.gz")]:
        if p and os.path.exists(p):
            return p
    raise SystemExit("sentiment.tsv.gz not found: pass --data")


def sentiment_rows(path: str, split: str, n: int) -> list[dict]:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[1] == split:
                rows.append({"prompt": f"Review: {parts[2]}\nSentiment:",
                             "completion": " positive" if parts[0] == "1" else " negative"})
                if len(rows) >= n:
                    break
    return rows


def accuracy(model, tok, rows: list[dict], device, batch: int = 64) -> float:
    """Share of rows whose right completion has the higher summed log-probability."""
    import torch

    cands = [" positive", " negative"]
    cand_ids = [tok.encode(c) for c in cands]
    model.eval()
    right = 0
    with torch.no_grad():
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            seqs, spans = [], []
            for r in chunk:
                p = tok.encode(r["prompt"])
                for c in cand_ids:
                    seqs.append(p + c)
                    spans.append((len(p), len(p) + len(c)))
            width = max(len(s) for s in seqs)
            ids = torch.full((len(seqs), width), tok.pad_id, dtype=torch.long)
            mask = torch.zeros_like(ids)
            for i, s in enumerate(seqs):
                ids[i, :len(s)] = torch.tensor(s)
                mask[i, :len(s)] = 1
            logp = torch.log_softmax(model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float(), -1)
            scores = []
            for i, (a, b) in enumerate(spans):
                tgt = ids[i, a:b].to(device)
                scores.append(float(logp[i, a - 1:b - 1].gather(-1, tgt[:, None]).sum()))
            for j, r in enumerate(chunk):
                best = cands[0] if scores[2 * j] >= scores[2 * j + 1] else cands[1]
                right += best == r["completion"]
    return right / len(rows)


def load_model(model_dir: str, device):
    from decoder_onnx import build_model, read_state_dict

    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    weights, _ = read_state_dict(model_dir)
    model = build_model(cfg, weights)
    model.set_attn_implementation("sdpa")  # as sft.py trains
    return model.to(device)


def make_tiny_llama(work: str, args) -> str:
    """A tiny random Llama in the transformers.js layout (make_tiny.py, the trainer's exporter)."""
    cmd = [sys.executable, os.path.join(HERE, "make_tiny.py"), work, "llama", "--tokenizer-from", args.model_dir,
           "--layers", str(args.llama_layers), "--hidden", str(args.llama_hidden), "--heads", str(args.llama_heads),
           "--kv-heads", str(max(1, args.llama_heads // 2)), "--seed", str(args.seed)]
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    return os.path.join(work, "tiny-llama")


def run_trainer(config: dict, work: str) -> tuple[dict, list[dict]]:
    path = os.path.join(work, "sft_config.json")
    json.dump(config, open(path, "w"))
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "sft.py"), path], stdout=subprocess.PIPE, text=True)
    lines = []
    for raw in proc.stdout:
        line = json.loads(raw)
        lines.append(line)
        if line["type"] in ("log", "error") or (line["type"] == "metric" and line["step"] % 50 == 0):
            say(f"sft.py: {json.dumps(line)[:300]}")
    proc.wait()
    if proc.returncode != 0 or lines[-1]["type"] != "result":
        raise RuntimeError(f"sft.py exited {proc.returncode}: {lines[-1] if lines else 'no output'}")
    return lines[-1], [m for m in lines if m["type"] == "metric"]


def hf_trainer_baseline(base_dir: str, train_rows: list[dict], test_rows: list[dict], args, device, work: str) -> dict:
    try:
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import Trainer, TrainingArguments
    except ImportError as e:
        return {"skipped": f"cannot import: {e}"}
    from sft_rows import Tokenizer

    tok = Tokenizer(base_dir)
    encoded = []
    for r in train_rows:
        p, c = tok.encode(r["prompt"]), tok.encode(r["completion"]) + [tok.eos_id]
        p = p[max(0, len(p) - (args.max_length - len(c))):]
        encoded.append((p + c, [-100] * len(p) + c))
    tokens = [0]

    def collate(batch):
        width = max(len(s) for s, _ in batch)
        ids = torch.full((len(batch), width), tok.pad_id, dtype=torch.long)
        mask = torch.zeros_like(ids)
        labels = torch.full_like(ids, -100)
        for i, (s, lab) in enumerate(batch):
            ids[i, :len(s)], mask[i, :len(s)], labels[i, :len(s)] = torch.tensor(s), 1, torch.tensor(lab)
        tokens[0] += int(mask.sum())
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}

    from decoder_onnx import ARCHITECTURES

    model = load_model(base_dir, device)
    _, targets, fan_in_fan_out = ARCHITECTURES[model.config.model_type]
    lc = LoraConfig(r=args.r, lora_alpha=args.alpha, lora_dropout=0.05, target_modules=targets,
                    fan_in_fan_out=fan_in_fan_out, bias="none", task_type="CAUSAL_LM")
    model = get_peft_model(model, lc)
    targs = TrainingArguments(output_dir=os.path.join(work, "hf"), max_steps=args.steps, per_device_train_batch_size=args.batch_size,
                              learning_rate=args.learning_rate, lr_scheduler_type="linear", warmup_steps=0, logging_steps=50,
                              save_strategy="no", report_to=[], disable_tqdm=True, seed=args.seed, remove_unused_columns=False,
                              use_cpu=device.type == "cpu", dataloader_num_workers=0)
    trainer = Trainer(model=model, args=targs, train_dataset=encoded, data_collator=collate)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    t = time.time()
    with contextlib.redirect_stdout(sys.stderr):  # the Trainer prints its summary; stdout is the report
        out = trainer.train()
    secs = time.time() - t
    merged = model.merge_and_unload().to(device)
    return {"mean_train_loss": out.training_loss, "train_seconds": round(secs, 2), "tokens": tokens[0],
            "tokens_per_sec": round(tokens[0] / secs, 1),
            "gpu_memory_mb": torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else None,
            "heldout_accuracy": accuracy(merged, tok, test_rows, device)}


def check_model(model_dir: str, train_rows: list[dict], test_rows: list[dict], args, device, work: str) -> dict:
    """One model: accuracy before, sft.py lora (train, merge, export, verify), accuracy after, the HF baseline."""
    from sft_rows import Tokenizer

    tok = Tokenizer(model_dir)
    report = {"model_type": json.load(open(os.path.join(model_dir, "config.json")))["model_type"]}
    report["heldout_accuracy_before"] = accuracy(load_model(model_dir, device), tok, test_rows, device)
    say(f"{model_dir}: held-out accuracy before: {report['heldout_accuracy_before']:.3f}")
    with open(os.path.join(work, "train.jsonl"), "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in train_rows)
    out_dir = os.path.join(work, "out")
    config = {"base_model_dir": model_dir, "dataset_path": os.path.join(work, "train.jsonl"), "output_dir": out_dir,
              "method": "lora",
              "r": args.r, "alpha": args.alpha, "learning_rate": args.learning_rate, "max_steps": args.steps,
              "batch_size": args.batch_size, "max_length": args.max_length, "seed": args.seed, "device": device.type,
              "log_every": None, "verify_prompts": [r["prompt"] for r in test_rows[:3]] + ["The Python interpreter"]}
    try:
        result, metrics = run_trainer(config, work)
    except RuntimeError as e:
        report["lora_error"] = str(e)
        return report
    steady = metrics[len(metrics) // 5:] or metrics  # skip warm-up (CUDA init, first kernels)
    report["lora"] = {**result["metrics"], "adapter": result["adapter"],
                      "mean_train_loss": sum(m["loss"] for m in metrics) / len(metrics),  # as the HF Trainer reports it
                      "steady_tokens_per_sec": round(sum(m["tokens_per_sec"] for m in steady) / len(steady), 1),
                      "gpu_memory_mb": max((m["gpu_memory_mb"] or 0) for m in metrics) or None,
                      "export_cache_check": "onnxruntime greedy == PyTorch greedy on "
                                            f"{len(result['verify'])} prompts (sft.py fails otherwise)",
                      "verify": [{"prompt": v["prompt"][:60], "text": v["text"]} for v in result["verify"]],
                      "files": result["files"]}
    # the round trip: accuracy of the model rebuilt from the exported ONNX
    report["heldout_accuracy_after"] = accuracy(load_model(out_dir, device), tok, test_rows, device)
    say(f"{model_dir}: held-out accuracy after: {report['heldout_accuracy_after']:.3f}")
    if not args.no_baseline:
        base = hf_trainer_baseline(model_dir, train_rows, test_rows, args, device, work)
        report["hf_trainer_baseline"] = base
        if base.get("tokens_per_sec"):
            report["speedup_vs_hf_trainer"] = round(report["lora"]["steady_tokens_per_sec"] / base["tokens_per_sec"], 3)
    return report


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default=None)
    ap.add_argument("--models", default="gpt2,llama", help="comma-separated: gpt2 (the bundled tiny-gpt2), llama")
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models/tiny-gpt2"))
    ap.add_argument("--llama-layers", type=int, default=4)
    ap.add_argument("--llama-hidden", type=int, default=256)
    ap.add_argument("--llama-heads", type=int, default=4)
    ap.add_argument("--data", default=None)
    ap.add_argument("--train-rows", type=int, default=4000)
    ap.add_argument("--test-rows", type=int, default=400)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--learning-rate", type=float, default=1e-3)
    ap.add_argument("--r", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--smoke", action="store_true", help="CPU, 4 steps, 32 train and 16 held-out rows, a 2-layer Llama")
    args = ap.parse_args()
    if args.smoke:
        args.device, args.steps, args.train_rows, args.test_rows, args.batch_size = "cpu", 4, 32, 16, 8
        args.llama_layers, args.llama_hidden, args.max_length = 2, 64, 64

    import torch

    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    data = find_data(args.data)
    train_rows = sentiment_rows(data, "train", args.train_rows)
    test_rows = sentiment_rows(data, "test", args.test_rows)
    report = {"device": str(device), "gpu": torch.cuda.get_device_name(0) if device.type == "cuda" else None,
              "torch": torch.__version__, "train_rows": len(train_rows), "test_rows": len(test_rows),
              "steps": args.steps, "batch_size": args.batch_size, "smoke": args.smoke, "models": {}}
    failed = False
    with tempfile.TemporaryDirectory(prefix="keel-gpu-check-") as work:
        for name in [m.strip() for m in args.models.split(",") if m.strip()]:
            if name not in ("gpt2", "llama"):
                raise SystemExit(f"--models: unknown model {name!r} (gpt2, llama)")
            mwork = os.path.join(work, name)
            os.makedirs(mwork)
            model_dir = args.model_dir if name == "gpt2" else make_tiny_llama(mwork, args)
            report["models"][name] = check_model(model_dir, train_rows, test_rows, args, device, mwork)
            failed = failed or "lora_error" in report["models"][name]
    print(json.dumps(report, indent=2))
    return 1 if failed else 0

if __name__ == "__main__":
    sys.exit(main())

"""SFT rows from JSONL: {"prompt", "completion"} or {"messages": [{role, content}, ...]}.

The prompt is rendered the way Keel's serving renders it (server/serving/generate.ts formatChat):
the tokenizer's chat template when it has one, else "role: content" lines ending in "assistant: ".
Only completion tokens (plus the end-of-text token) are scored; prompt and padding get label -100.
"""

from __future__ import annotations

import json
import os
import random


class Tokenizer:
    def __init__(self, model_dir: str):
        from tokenizers import Tokenizer as HFTokenizer

        self.tok = HFTokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
        cfg_path = os.path.join(model_dir, "tokenizer_config.json")
        self.cfg = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
        mcfg = json.load(open(os.path.join(model_dir, "config.json")))

        def tid(name, fallback):
            t = self.cfg.get(name)
            t = t.get("content") if isinstance(t, dict) else t
            i = self.tok.token_to_id(t) if isinstance(t, str) else None
            return i if i is not None else fallback

        self.eos_id = tid("eos_token", mcfg.get("eos_token_id"))
        self.pad_id = tid("pad_token", mcfg.get("pad_token_id", self.eos_id))
        if self.pad_id is None:
            self.pad_id = self.eos_id if self.eos_id is not None else 0
        self.eos_text = self.cfg.get("eos_token") if isinstance(self.cfg.get("eos_token"), str) else ""
        self.chat_template = self.cfg.get("chat_template")

    def encode(self, text: str) -> list[int]:
        return self.tok.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self.tok.decode(ids, skip_special_tokens=True)

    def render_chat(self, messages: list[dict]) -> str:
        if self.chat_template:
            import jinja2

            t = jinja2.Environment().from_string(self.chat_template)
            return t.render(messages=messages, add_generation_prompt=True, eos_token=self.eos_text,
                            bos_token=self.cfg.get("bos_token") or "")
        return "\n".join(f"{m['role']}: {m['content']}" for m in messages) + "\nassistant: "


def split_row(row: dict, tok: Tokenizer) -> tuple[str, str]:
    if "messages" in row:
        msgs = row["messages"]
        if not isinstance(msgs, list) or not msgs or msgs[-1].get("role") != "assistant":
            raise ValueError("messages must be a list ending with an assistant message")
        return tok.render_chat(msgs[:-1]), str(msgs[-1]["content"])
    if "prompt" in row and "completion" in row:
        return str(row["prompt"]), str(row["completion"])
    raise ValueError("a row needs messages, or prompt and completion")


def load_rows(path: str, tok: Tokenizer) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                prompt, completion = split_row(json.loads(line), tok)
            except (ValueError, AttributeError, TypeError) as e:
                raise ValueError(f"{os.path.basename(path)} line {n}: {e}") from None
            completion_ids = tok.encode(completion) + ([tok.eos_id] if tok.eos_id is not None else [])
            rows.append({"prompt": prompt, "prompt_ids": tok.encode(prompt), "completion_ids": completion_ids})
    return rows


def batches(rows: list[dict], batch_size: int, max_length: int, pad_id: int, seed: int):
    """Endless shuffled epochs of right-padded (input_ids, attention_mask, labels) tensors."""
    import torch

    rng = random.Random(seed)
    while True:
        order = list(range(len(rows)))
        rng.shuffle(order)
        for start in range(0, len(order), batch_size):
            seqs = []
            for i in order[start:start + batch_size]:
                p, c = rows[i]["prompt_ids"], rows[i]["completion_ids"][:max_length - 1]
                p = p[max(0, len(p) - (max_length - len(c))):]  # drop the prompt's start first
                seqs.append((p + c, [-100] * len(p) + c))
            width = max(len(s) for s, _ in seqs)
            ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            labels = torch.full((len(seqs), width), -100, dtype=torch.long)
            for j, (s, lab) in enumerate(seqs):
                ids[j, :len(s)] = torch.tensor(s)
                mask[j, :len(s)] = 1
                labels[j, :len(s)] = torch.tensor(lab)
            yield ids, mask, labels

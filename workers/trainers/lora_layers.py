"""Built-in LoRA, used where peft cannot be imported (same public behaviour: train, merge, export).

y = base(x) + dropout(x) @ A^T @ B^T * (alpha / r); B starts at zero so training starts from the base
model. GPT-2's Conv1D keeps its weight as [in, out] (x @ W), nn.Linear as [out, in] (x @ W^T): the
merge adds (B @ A)^T resp. B @ A, scaled.
"""

from __future__ import annotations

import json
import math
import os

import torch
from torch import nn


class LoraWrap(nn.Module):
    def __init__(self, base: nn.Module, r: int, alpha: float, dropout: float):
        super().__init__()
        self.base = base
        self.conv1d = not isinstance(base, nn.Linear)
        w = base.weight
        fan_in, fan_out = (w.shape[0], w.shape[1]) if self.conv1d else (w.shape[1], w.shape[0])
        self.lora_A = nn.Parameter(torch.empty(r, fan_in, device=w.device))
        self.lora_B = nn.Parameter(torch.zeros(fan_out, r, device=w.device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.scaling = alpha / r
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        return self.base(x) + (self.drop(x) @ self.lora_A.T @ self.lora_B.T) * self.scaling

    def merged(self) -> nn.Module:
        delta = (self.lora_B @ self.lora_A) * self.scaling  # [out, in]
        with torch.no_grad():
            self.base.weight += delta.T if self.conv1d else delta
        return self.base


def inject(model: nn.Module, cfg: dict) -> nn.Module:
    from transformers.pytorch_utils import Conv1D

    for p in model.parameters():
        p.requires_grad = False
    targets = set(cfg["target_modules"])
    found = 0
    for name, module in list(model.named_modules()):
        for child_name, child in list(module.named_children()):
            if child_name in targets and isinstance(child, (Conv1D, nn.Linear)):
                setattr(module, child_name, LoraWrap(child, int(cfg["r"]), float(cfg["alpha"]), float(cfg["dropout"])))
                found += 1
    if not found:
        raise ValueError(f"no Conv1D/Linear modules named {sorted(targets)}")
    return model


def merge_into_base(model: nn.Module) -> nn.Module:
    for module in list(model.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, LoraWrap):
                setattr(module, child_name, child.merged())
    return model


def save(model: nn.Module, cfg: dict, out_dir: str) -> list[str]:
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items() if "lora_" in k}
    save_file(tensors, os.path.join(out_dir, "adapter_model.safetensors"))
    with open(os.path.join(out_dir, "adapter_config.json"), "w") as f:
        json.dump({"impl": "keel-builtin", "r": cfg["r"], "lora_alpha": cfg["alpha"], "lora_dropout": cfg["dropout"],
                   "target_modules": cfg["target_modules"], "fan_in_fan_out": True}, f, indent=2)
    return ["adapter_config.json", "adapter_model.safetensors"]

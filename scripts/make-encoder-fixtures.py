#!/usr/bin/env python3
"""Writes the prompt-encoder and optimizer test fixtures into Tests/PTuningTests/Encoder/Fixtures/.

Every expected value comes from PyTorch (nn.Embedding, nn.LSTM, nn.Linear, torch.optim.Adam/AdamW,
clip_grad_norm_), so the Swift encoders and optimizer are checked against the reference framework.
Requires: pip install torch. Run with /work/venv/bin/python. Deterministic: re-running rewrites
identical files.
"""
import json
from pathlib import Path

import torch
from torch import nn

OUT = Path(__file__).resolve().parent.parent / "Tests" / "PTuningTests" / "Encoder" / "Fixtures"
torch.manual_seed(20240611)


def floats(t):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def encoder_fixture(name, modules, forward, m, width):
    """Runs forward on indices 0..m-1, loss = sum(r * out), and records weights, output, r and grads."""
    params = [(f"{prefix}.{n}", p) for prefix, module in modules for n, p in module.named_parameters()]
    out = forward()
    r = torch.randn(m, width)
    (out * r).sum().backward()
    fixture = {
        "count": m,
        "width": width,
        "parameters": {n: {"shape": list(p.shape), "values": floats(p)} for n, p in params},
        "output": floats(out),
        "r": floats(r),
        "gradients": {n: floats(p.grad) for n, p in params},
    }
    (OUT / f"{name}.json").write_text(json.dumps(fixture, indent=1) + "\n")


def lstm_fixture():
    m, width, hidden = 5, 8, 8
    embedding = nn.Embedding(m, width)
    lstm = nn.LSTM(width, hidden // 2, num_layers=2, bidirectional=True, batch_first=True)
    mlp = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, width))
    indices = torch.arange(m).unsqueeze(0)

    def forward():
        return mlp(lstm(embedding(indices))[0]).squeeze(0)

    encoder_fixture("lstm", [("embedding", embedding), ("lstm", lstm), ("mlp", mlp)], forward, m, width)


def mlp_fixture():
    m, width, hidden = 5, 8, 6
    embedding = nn.Embedding(m, width)
    mlp = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, width))

    def forward():
        return mlp(embedding.weight)

    encoder_fixture("mlp", [("embedding", embedding), ("mlp", mlp)], forward, m, width)


def optimizer_fixture():
    """Four steps of Adam and AdamW with weight decay and gradient clipping, at changing rates."""
    n, steps, max_norm, decay = 10, 4, 0.5, 0.1
    start = torch.randn(n)
    gradients = [torch.randn(n) * s for s in (0.2, 1.0, 0.05, 2.0)]
    rates = [1e-2, 5e-3, 2e-2, 1e-2]
    fixture = {"start": floats(start), "gradients": [floats(g) for g in gradients], "rates": rates,
               "maxNorm": max_norm, "weightDecay": decay}
    for kind, optimizer_class in (("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW)):
        p = nn.Parameter(start.clone())
        optimizer = optimizer_class([p], lr=rates[0], betas=(0.9, 0.999), eps=1e-8, weight_decay=decay)
        trace = []
        for g, lr in zip(gradients, rates):
            p.grad = g.clone()
            norm = nn.utils.clip_grad_norm_([p], max_norm)
            optimizer.param_groups[0]["lr"] = lr
            optimizer.step()
            state = optimizer.state[p]
            trace.append({"norm": float(norm), "parameters": floats(p), "firstMoment": floats(state["exp_avg"]),
                          "secondMoment": floats(state["exp_avg_sq"])})
        fixture[kind] = trace
    (OUT / "optimizer.json").write_text(json.dumps(fixture, indent=1) + "\n")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    lstm_fixture()
    mlp_fixture()
    optimizer_fixture()

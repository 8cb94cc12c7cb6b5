#!/usr/bin/env python3
"""PyTorch reference for lenet5-spark's benchmark harness (`lenet5-spark bench --suite train`).

The same LeNet-5 ("modern": 6@5x5 pad 2, ReLU, 2x2 max pool, 16@5x5, ReLU, 2x2 max pool,
120, 84, 10; 61,706 parameters), the same optimizer (Adam, learning rate multiplied by --lr-decay
after every epoch), the same batch size and the same data: the job's binary shards, read with the
layout of docs/DATA_FORMATS.md. Prints one JSON object on stdout.
"""
import argparse
import glob
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

RECORD = np.dtype([("label", "<i4"), ("index", "<i4"), ("pixels", "<f4", (28, 28))])


def load_split(data_dir, split):
    files = sorted(glob.glob(os.path.join(data_dir, split, "part-*.bin")))
    if not files:
        raise SystemExit(f"error: no binary shards in {data_dir}/{split} (prepare --format binary)")
    recs = np.concatenate([np.fromfile(f, dtype=RECORD, offset=64) for f in files])
    x = torch.from_numpy(np.ascontiguousarray(recs["pixels"])).unsqueeze(1)
    y = torch.from_numpy(recs["label"].astype(np.int64))
    return x, y


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=2)
        self.c3 = nn.Conv2d(6, 16, 5)
        self.f5 = nn.Linear(400, 120)
        self.f6 = nn.Linear(120, 84)
        self.out = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c3(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.f5(x))
        x = F.relu(self.f6(x))
        return self.out(x)


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch])
            loss += F.cross_entropy(logits, y[i:i + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[i:i + batch]).sum().item()
    model.train()
    return correct / len(x), loss / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="prepared data folder with binary shards")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=2e-3)
    p.add_argument("--lr-decay", type=float, default=0.8)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--max-images", type=int, default=0, help="images per epoch (0: all)")
    p.add_argument("--stop-at", type=float, default=0.0,
                   help="stop after the first epoch whose test accuracy reaches this (0: never)")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    xtr, ytr = load_split(a.data, "train")
    xte, yte = load_split(a.data, "test")
    if a.max_images:
        xtr, ytr = xtr[:a.max_images], ytr[:a.max_images]
    model = LeNet5()
    opt = torch.optim.Adam(model.parameters(), lr=a.learning_rate)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=a.lr_decay)
    epochs = []
    g = torch.Generator().manual_seed(a.seed)
    for epoch in range(1, a.epochs + 1):
        order = torch.randperm(len(xtr), generator=g)
        t0 = time.perf_counter()
        total = 0.0
        for i in range(0, len(xtr), a.batch_size):
            idx = order[i:i + a.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        secs = time.perf_counter() - t0
        sched.step()
        t1 = time.perf_counter()
        acc, test_loss = evaluate(model, xte, yte)
        epochs.append({"epoch": epoch, "train_loss": total / len(xtr), "test_loss": test_loss,
                       "test_accuracy": acc, "epoch_seconds": secs,
                       "eval_seconds": time.perf_counter() - t1,
                       "samples_per_second": len(xtr) / secs})
        if a.stop_at and acc >= a.stop_at:
            break
    print(json.dumps({"framework": "pytorch", "version": torch.__version__,
                      "threads": torch.get_num_threads(), "batch_size": a.batch_size,
                      "parameters": sum(p.numel() for p in model.parameters()),
                      "train_images": len(xtr), "epochs": epochs}))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes a validation split of MNIST as IDX files, for tuning without looking at the test split.

Used for issue 16 item 5 (docs/benchmarks.md, "Issue 16: accuracy with a validation split") before
`train --validation N` existed: the output folder holds the training split minus a seeded,
class-stratified hold-out as train-*-idx?-ubyte, and the hold-out as t10k-*-idx?-ubyte, so a run
trained on it reports validation metrics in its per-epoch "test" columns. The real test split is
never read here.

  python3 bench/mnist_validation_split.py --input /work/mnist --output DIR [--holdout 5000]
                                          [--seed 12345]

Stratification: each class c keeps holdout * n_c / n images (largest-remainder rounding, so the
counts add up to --holdout exactly); within a class the held-out images are a uniform random sample
drawn with numpy.random.default_rng(seed). Both outputs keep the original order of the images.
Prints the per-class counts and the SHA-256 of the held-out indices.
"""
import argparse
import hashlib
import os
import struct
import sys

import numpy as np


def read_idx(path, magic, header_len):
    with open(path, "rb") as f:
        data = f.read()
    if struct.unpack(">I", data[:4])[0] != magic:
        sys.exit(f"error: {path} is not an IDX file with magic {magic:#x}")
    dims = struct.unpack(">" + "I" * (header_len // 4 - 1), data[4:header_len])
    return dims, np.frombuffer(data, dtype=np.uint8, offset=header_len)


def write_idx(path, magic, dims, payload):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack(">" + "I" * (1 + len(dims)), magic, *dims))
        f.write(payload.tobytes())
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--holdout", type=int, default=5000)
    p.add_argument("--seed", type=int, default=12345)
    a = p.parse_args()
    (n, rows, cols), pixels = read_idx(
        os.path.join(a.input, "train-images-idx3-ubyte"), 0x803, 16)
    (nl,), labels = read_idx(os.path.join(a.input, "train-labels-idx1-ubyte"), 0x801, 8)
    if n != nl or not 0 < a.holdout < n:
        sys.exit("error: image/label counts differ or --holdout out of range")
    images = pixels.reshape(n, rows * cols)
    counts = np.bincount(labels, minlength=10)
    exact = a.holdout * counts / n
    quota = np.floor(exact).astype(int)
    for c in np.argsort(-(exact - quota), kind="stable")[: a.holdout - quota.sum()]:
        quota[c] += 1
    rng = np.random.default_rng(a.seed)
    held = []
    for c in range(10):
        members = np.flatnonzero(labels == c)
        held.append(rng.choice(members, size=quota[c], replace=False))
    held = np.sort(np.concatenate(held))
    mask = np.zeros(n, dtype=bool)
    mask[held] = True
    keep = np.flatnonzero(~mask)
    os.makedirs(a.output, exist_ok=True)
    out = a.output
    write_idx(os.path.join(out, "train-images-idx3-ubyte"), 0x803, (len(keep), rows, cols),
              images[keep])
    write_idx(os.path.join(out, "train-labels-idx1-ubyte"), 0x801, (len(keep),), labels[keep])
    write_idx(os.path.join(out, "t10k-images-idx3-ubyte"), 0x803, (len(held), rows, cols),
              images[held])
    write_idx(os.path.join(out, "t10k-labels-idx1-ubyte"), 0x801, (len(held),), labels[held])
    digest = hashlib.sha256(held.astype(">u4").tobytes()).hexdigest()
    print(f"train {len(keep)}, held out {len(held)} (seed {a.seed})")
    print("held out per class:", " ".join(str(int(q)) for q in quota))
    print("train per class:   ", " ".join(str(int(k)) for k in np.bincount(labels[keep])))
    print(f"sha256 of held-out indices (big-endian uint32): {digest}")


if __name__ == "__main__":
    main()

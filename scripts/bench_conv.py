"""Time the convolution part of Kim's CNN: forward + backward of one batch.

Three branches Conv1D(100, k, relu) + GlobalMaxPooling1D for k = 3, 4, 5 over
an embedded batch (50, 51, 300) float32 (textembed: one Parallel layer), and
the same with PyTorch conv1d + max with ``torch.set_num_threads(2)`` when
torch imports.  Prints the median time per batch, the per-epoch estimate for
MR (9,600 sequences = 192 batches of 50) and the ratio textembed / PyTorch.

    python scripts/bench_conv.py [--repeats 20]
"""
import argparse
import time

import numpy as np

from textembed.layers import Conv1D, GlobalMaxPooling1D, Parallel

BATCH, STEPS, DIM, FILTERS, WIDTHS, BATCHES_PER_EPOCH = 50, 51, 300, 100, (3, 4, 5), 192


def median_time(step, repeats):
    step()                                      # warm-up (numba compile, allocations)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def bench_textembed(x, g, repeats):
    layer = Parallel([[Conv1D(FILTERS, k, activation="relu"), GlobalMaxPooling1D()]
                      for k in WIDTHS])
    layer.build((None, STEPS, DIM))

    def step():
        layer.forward(x, training=True)
        layer.backward(g)
    return median_time(step, repeats)


def bench_torch(x, g, repeats):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    convs = [torch.nn.Conv1d(DIM, FILTERS, k) for k in WIDTHS]
    xt = torch.from_numpy(x)
    gt = torch.from_numpy(g)

    def step():
        xr = xt.clone().requires_grad_(True)
        h = xr.transpose(1, 2)                  # (B, C, L) as torch wants it
        out = torch.cat([torch.relu(conv(h)).max(dim=2).values for conv in convs], dim=1)
        out.backward(gt)
    return median_time(step, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, DIM)).astype(np.float32)
    g = rng.normal(size=(BATCH, FILTERS * len(WIDTHS))).astype(np.float32)
    ours = bench_textembed(x, g, args.repeats)
    print(f"textembed Parallel(Conv1D+GlobalMaxPooling1D x3): {ours * 1e3:7.1f} ms/batch, "
          f"{ours * BATCHES_PER_EPOCH:5.2f} s/epoch")
    theirs = bench_torch(x, g, args.repeats)
    if theirs is None:
        print("torch not importable: no comparison")
        return
    print(f"torch conv1d+max x3 (2 threads):                 {theirs * 1e3:7.1f} ms/batch, "
          f"{theirs * BATCHES_PER_EPOCH:5.2f} s/epoch")
    print(f"ratio textembed / torch: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()

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


def make_textembed_step(x, g):
    layer = Parallel([[Conv1D(FILTERS, k, activation="relu"), GlobalMaxPooling1D()]
                      for k in WIDTHS])
    layer.build((None, STEPS, DIM))

    def step():
        layer.forward(x, training=True)
        layer.backward(g)
    return step


def make_torch_step(x, g):
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
    return step


def median_times(steps, repeats, rounds=3):
    """Seconds per call of each step: the lowest of ``rounds`` block medians.

    Steps run in blocks of ``repeats`` calls, alternating between the steps,
    rather than call by call: OpenBLAS and OpenMP worker threads keep
    spinning for a while after each call and would slow the other library's
    next call on this 2-core machine.  Alternating blocks and taking the best
    block spreads the (shared machine's) background load fairly.
    """
    for step in steps:
        step()                                  # warm-up (numba compile, allocations)
    best = [float("inf")] * len(steps)
    for _ in range(rounds):
        for k, step in enumerate(steps):
            record = []
            for _ in range(repeats):
                t = time.perf_counter()
                step()
                record.append(time.perf_counter() - t)
            best[k] = min(best[k], float(np.median(record)))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, STEPS, DIM)).astype(np.float32)
    g = rng.normal(size=(BATCH, FILTERS * len(WIDTHS))).astype(np.float32)
    steps = [make_textembed_step(x, g)]
    torch_step = make_torch_step(x, g)
    if torch_step is not None:
        steps.append(torch_step)
    results = median_times(steps, args.repeats)
    ours = results[0]
    print(f"textembed Parallel(Conv1D+GlobalMaxPooling1D x3): {ours * 1e3:7.1f} ms/batch, "
          f"{ours * BATCHES_PER_EPOCH:5.2f} s/epoch")
    if torch_step is None:
        print("torch not importable: no comparison")
        return
    theirs = results[1]
    print(f"torch conv1d+max x3 (2 threads):                 {theirs * 1e3:7.1f} ms/batch, "
          f"{theirs * BATCHES_PER_EPOCH:5.2f} s/epoch")
    print(f"ratio textembed / torch: {ours / theirs:.2f}")


if __name__ == "__main__":
    main()

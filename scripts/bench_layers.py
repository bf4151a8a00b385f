"""Time one training epoch of three text models, textembed against PyTorch CPU.

MR-sized data: 9,600 random sequences of 51 word ids from a vocabulary of
18,500, two classes. One epoch = forward, backward and optimizer step over
every batch, with shuffling. The models:

  lstm  Embedding(18500, 128) + LSTM(128) + Dense(2, softmax), Adam, batch 32
  gru   Embedding(18500, 128) + GRU(128) + Dense(2, softmax), Adam, batch 32
  cnn   Kim's CNN: Embedding(18500, 300), Conv1D(100, k, relu) + global max
        pooling for k = 3, 4, 5 side by side, Dropout(0.5), Dense(2, softmax),
        Adadelta, batch 50

Both libraries use 2 threads (``torch.set_num_threads(2)``; numba and
OpenBLAS use the machine's 2 cores). Each library trains one warm-up epoch
(numba compiles on its first call; the cache keeps it for later runs), then
the libraries alternate epochs and the best of ``--epochs`` timed epochs is
kept for each, so background load on the shared machine hits both alike.

    python scripts/bench_layers.py [--models lstm gru cnn] [--epochs 2]

Needs: pip install torch (bench only).
"""
import argparse
import time

import numpy as np

SAMPLES, STEPS, VOCAB, CLASSES = 9600, 51, 18500, 2
REFERENCE = {"lstm": 5.1, "gru": 8.0, "cnn": 10.6}     # PyTorch s/epoch, ../shared/data/README.md
BATCH = {"lstm": 32, "gru": 32, "cnn": 50}


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(SAMPLES, STEPS)).astype(np.int32)
    y = rng.integers(0, CLASSES, size=SAMPLES).astype(np.int32)
    return x, y


# -- textembed ---------------------------------------------------------------

def textembed_model(kind):
    from textembed.layers import (GRU, LSTM, Conv1D, Dense, Dropout, Embedding,
                                  GlobalMaxPooling1D, Parallel)
    from textembed.models import Sequential
    from textembed.optimizers import Adadelta, Adam

    if kind == "cnn":
        model = Sequential([
            Embedding(VOCAB, 300, input_length=STEPS),
            Parallel([[Conv1D(100, k, activation="relu"), GlobalMaxPooling1D()]
                      for k in (3, 4, 5)]),
            Dropout(0.5),
            Dense(CLASSES, activation="softmax"),
        ])
        model.compile(Adadelta(), "sparse_categorical_crossentropy")
    else:
        recurrent = LSTM if kind == "lstm" else GRU
        model = Sequential([
            Embedding(VOCAB, 128, input_length=STEPS),
            recurrent(128),
            Dense(CLASSES, activation="softmax"),
        ])
        model.compile(Adam(), "sparse_categorical_crossentropy")
    return model


def textembed_epoch(kind):
    model = textembed_model(kind)

    def run(x, y):
        model.fit(x, y, batch_size=BATCH[kind], epochs=1, shuffle=True, verbose=0)
    return run


# -- PyTorch ---------------------------------------------------------------

def torch_epoch(kind):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    nn = torch.nn

    class Recurrent(nn.Module):
        def __init__(self, cell):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, 128)
            self.rnn = cell(128, 128, batch_first=True)
            self.out = nn.Linear(128, CLASSES)

        def forward(self, ids):
            states, _ = self.rnn(self.embed(ids))
            return self.out(states[:, -1])

    class KimCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(VOCAB, 300)
            self.convs = nn.ModuleList(nn.Conv1d(300, 100, k) for k in (3, 4, 5))
            self.drop = nn.Dropout(0.5)
            self.out = nn.Linear(300, CLASSES)

        def forward(self, ids):
            h = self.embed(ids).transpose(1, 2)
            pooled = [torch.relu(conv(h)).max(dim=2).values for conv in self.convs]
            return self.out(self.drop(torch.cat(pooled, dim=1)))

    if kind == "cnn":
        model = KimCNN()
        optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
    else:
        model = Recurrent(nn.LSTM if kind == "lstm" else nn.GRU)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    batch = BATCH[kind]

    def run(x, y):
        model.train()
        xt, yt = torch.from_numpy(x).long(), torch.from_numpy(y).long()
        order = torch.randperm(len(xt))
        for start in range(0, len(xt), batch):
            rows = order[start:start + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(xt[rows]), yt[rows])
            loss.backward()
            optimizer.step()
    return run


def seconds(run, x, y):
    start = time.perf_counter()
    run(x, y)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(BATCH), default=["lstm", "gru", "cnn"])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per library")
    args = parser.parse_args()

    x, y = make_data()
    rows = []
    for kind in args.models:
        ours, theirs = textembed_epoch(kind), torch_epoch(kind)
        warm = seconds(ours, x, y)
        if theirs is not None:
            seconds(theirs, x, y)
        ours_s, theirs_s = [], []
        for _ in range(args.epochs):
            ours_s.append(seconds(ours, x, y))
            if theirs is not None:
                theirs_s.append(seconds(theirs, x, y))
        row = (kind, min(ours_s), min(theirs_s) if theirs_s else float("nan"), warm)
        rows.append(row)
        print(f"{kind}: textembed {row[1]:.2f} s/epoch (first epoch {warm:.2f} s), "
              f"PyTorch {row[2]:.2f} s/epoch", flush=True)

    print(f"\n{'model':<6} {'textembed s':>12} {'PyTorch s':>10} {'ratio':>6}  "
          f"{'PyTorch ref s':>13}")
    for kind, a, b, _ in rows:
        print(f"{kind:<6} {a:>12.2f} {b:>10.2f} {a / b:>6.2f}  {REFERENCE[kind]:>13.1f}")
    print("ratio = textembed / PyTorch seconds per epoch in this run (target <= 1.0)")


if __name__ == "__main__":
    main()

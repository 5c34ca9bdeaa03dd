#!/usr/bin/env python3
"""The workloads of `dnn bench` in PyTorch (eager) and NumPy, on this machine.

Prints one JSON object: {"results": [{"kind", "name", "value", "unit", "impl"}, ...]}, rows
named as `dnn bench --json` names them, so `tools/compare_bench.py` can put both side by
side. Not needed by CI. Run with the same thread count as dnn (`--threads`, default 2).

- gemm: sgemm of NumPy (OpenBLAS) and torch at the sizes of `Benchmark.gemmCases`.
  OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE must be unset for NumPy's full speed (the
  Makefile's `compare` target does that for this command only).
- train: samples/s of training steps of configs/mnist_mlp.json and configs/mnist_cnn.json
  (their batch sizes and optimizers) on random data of MNIST's shape; for the MLP also a
  course-style NumPy implementation (affine/batchnorm/relu/dropout forward and backward
  functions, Adam), as the cs231n assignments write it.
- train: also configs/gpt_tiny.json (a byte-level GPT: random ids, a target at every
  position, AdamW), samples/s of 64-byte windows (x 64 for tokens/s).
- infer: eval-mode forward samples/s at batch sizes 1, 64, 256, 1024 (torch.no_grad).
- with `--precision both` (or bf16): every torch row also (or only) in bfloat16, marked
  `"precision": "bf16"`: gemm as a bf16 matmul, train and infer under
  `torch.autocast("cpu", dtype=torch.bfloat16)`, PyTorch's own mixed precision on CPU.
- gpt (`--only gpt`): the gpt_tiny training row alone (what `--only train` also prints).
- sequence (`--only sequence`): samples/s of training steps of an LSTM and a GRU classifier
  (T = 128, F = 3, H = 128, batch 64, Adam), as `dnn bench --only sequence` times them.
- memory: peak resident memory of a full torch training run of mnist_cnn is measured by
  `make compare` with /usr/bin/time, not here.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fastest(seconds, body, minimum=3):
    body()
    best, runs, start = float("inf"), 0, time.perf_counter()
    while runs < minimum or time.perf_counter() - start < seconds:
        t = time.perf_counter()
        body()
        best = min(best, time.perf_counter() - t)
        runs += 1
    return best


GEMM_CASES = [
    ("256x256x256", 256, 256, 256, False, False),
    ("512x512x512", 512, 512, 512, False, False),
    ("1024x1024x1024", 1024, 1024, 1024, False, False),
    ("mlp fwd 128x784 . (512x784)T", 128, 512, 784, False, True),
    ("mlp dW (128x512)T . 128x784", 512, 784, 128, True, False),
    ("mlp dX 128x512 . 512x784", 128, 784, 512, False, False),
    ("cnn conv2 fwd 64x288 . 288x12544", 64, 12544, 288, False, False),
    ("cnn conv2 dW 64x12544 . (288x12544)T", 64, 288, 12544, False, True),
    ("cnn conv2 dcol (64x288)T . 64x12544", 288, 12544, 64, True, False),
]


def gemm_rows(seconds, torch, precisions):
    rows = []
    rng = np.random.default_rng(1)
    for name, m, n, k, ta, tb in GEMM_CASES:
        a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
        b = rng.random((n, k) if tb else (k, n), dtype=np.float32)
        A, B = (a.T if ta else a), (b.T if tb else b)
        out = np.empty((m, n), dtype=np.float32)
        t = fastest(seconds, lambda: np.matmul(A, B, out=out))
        rows.append({"kind": "gemm", "name": name, "value": 2 * m * n * k / t / 1e9, "unit": "GFLOP/s", "impl": "numpy"})
        ta_, tb_ = torch.from_numpy(a), torch.from_numpy(b)
        TA, TB = (ta_.t() if ta else ta_), (tb_.t() if tb else tb_)
        for precision in precisions:
            dtype = torch.bfloat16 if precision == "bf16" else torch.float32
            PA, PB = TA.to(dtype), TB.to(dtype)
            tout = torch.empty(m, n, dtype=dtype)
            t = fastest(seconds, lambda: torch.matmul(PA, PB, out=tout))
            rows.append({"kind": "gemm", "name": name, "value": 2 * m * n * k / t / 1e9, "unit": "GFLOP/s",
                         "impl": "torch", "precision": precision})
    return rows


def torch_rows(seconds, torch, precisions):
    rows = []
    for precision in precisions:
        rows += model_rows(seconds, torch, precision)
        if precision == "fp32":
            rows += gpt_rows(seconds, torch, precision)
    return rows


def model_rows(seconds, torch, precision):
    """Training and inference rows of both example models, under bf16 autocast for `bf16`."""
    import contextlib

    from dnn_torch import build_torch_model
    def autocast():
        if precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()
    rows = []
    for name in ["mnist_mlp", "mnist_cnn"]:
        config = json.load(open(os.path.join(ROOT, "configs", name + ".json")))
        layers = config["model"]["layers"]
        model = build_torch_model(layers, [1, 28, 28]).float()
        solver = config["solver"]
        opt_config = solver["optimizer"]
        opt = torch.optim.Adam(model.parameters(), lr=opt_config.get("lr", 1e-3))
        batch = solver["batch_size"]
        x = torch.rand(batch, 1, 28, 28)
        y = torch.randint(0, 10, (batch,))
        loss_fn = torch.nn.CrossEntropyLoss()
        model.train()

        def step():
            opt.zero_grad()
            with autocast():
                logits = model(x)
            loss = loss_fn(logits.float(), y)
            loss.backward()
            opt.step()
        t = fastest(seconds, step)
        rows.append({"kind": "train", "name": f"{name} batch {batch}", "value": batch / t, "unit": "samples/s",
                     "impl": "torch", "precision": precision})
        model.eval()
        for b in [1, 64, 256, 1024]:
            xb = torch.rand(b, 1, 28, 28)
            with torch.no_grad(), autocast():
                t = fastest(seconds, lambda: model(xb))
            rows.append({"kind": "infer", "name": f"{name} batch {b}", "value": b / t, "unit": "samples/s",
                         "impl": "torch", "precision": precision})
    return rows


def sequence_rows(seconds, torch):
    """`dnn bench --only sequence`: nn.LSTM / nn.GRU (batch_first) classifiers on random
    series, T = 128 steps of F = 3, H = 128, the last hidden state into nn.Linear(128, 10),
    Adam, batch 64 (Benchmark.sequenceCases)."""
    rows = []
    for kind, cls in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)):
        rnn, head = cls(3, 128, batch_first=True), torch.nn.Linear(128, 10)
        params = list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=1e-3)
        x, y = torch.rand(64, 128, 3), torch.randint(0, 10, (64,))
        loss_fn = torch.nn.CrossEntropyLoss()

        def step():
            opt.zero_grad()
            _, state = rnn(x)
            h = state[0] if isinstance(state, tuple) else state
            loss_fn(head(h[-1]), y).backward()
            opt.step()
        t = fastest(seconds, step)
        rows.append({"kind": "train", "name": f"{kind} T=128 F=3 H=128 batch 64", "value": 64 / t,
                     "unit": "samples/s", "impl": "torch", "precision": "fp32"})
    return rows


def gpt_rows(seconds, torch, precision):
    """Training samples/s of configs/gpt_tiny.json on random byte windows, as dnn bench runs it."""
    from dnn_torch import build_torch_model
    config = json.load(open(os.path.join(ROOT, "configs", "gpt_tiny.json")))
    context = config["data"]["train"]["context"]
    model = build_torch_model(config["model"]["layers"], [context]).float().train()
    opt_config = config["solver"]["optimizer"]
    opt = torch.optim.AdamW(model.parameters(), lr=opt_config["lr"], weight_decay=opt_config["weight_decay"])
    batch = config["solver"]["batch_size"]
    x = torch.randint(0, 256, (batch, context)).float()
    y = torch.randint(0, 256, (batch, context))

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, 256), y.reshape(-1))
        loss.backward()
        opt.step()
    t = fastest(seconds, step)
    return [{"kind": "train", "name": f"gpt_tiny batch {batch}", "value": batch / t, "unit": "samples/s",
             "impl": "torch", "precision": precision}]


def numpy_mlp_rows(seconds):
    """The course's layer functions (affine, batchnorm, relu, dropout, softmax loss) and
    Adam, vectorised NumPy, for the 784-512-256-10 MLP at batch 128."""
    rng = np.random.default_rng(0)
    dims = [784, 512, 256, 10]
    params = {}
    for i in range(3):
        params[f"W{i}"] = (rng.standard_normal((dims[i], dims[i + 1])) * np.sqrt(2 / dims[i])).astype(np.float32)
        params[f"b{i}"] = np.zeros(dims[i + 1], np.float32)
        if i < 2:
            params[f"g{i}"] = np.ones(dims[i + 1], np.float32)
            params[f"be{i}"] = np.zeros(dims[i + 1], np.float32)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    state = {"t": 0}
    x = rng.random((128, 784), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    p = 0.2

    def step():
        caches = []
        h = x
        for i in range(2):
            a = h @ params[f"W{i}"] + params[f"b{i}"]
            mu = a.mean(0)
            var = a.var(0)
            xhat = (a - mu) / np.sqrt(var + 1e-5)
            bn = params[f"g{i}"] * xhat + params[f"be{i}"]
            r = np.maximum(bn, 0)
            mask = (rng.random(r.shape) >= p) / (1 - p)
            caches.append((h, a, xhat, var, bn, mask))
            h = r * mask
        scores = h @ params["W2"] + params["b2"]
        shifted = scores - scores.max(1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(1, keepdims=True)
        dscores = probs
        dscores[np.arange(128), y] -= 1
        dscores /= 128
        grads = {"W2": h.T @ dscores, "b2": dscores.sum(0)}
        dh = dscores @ params["W2"].T
        for i in (1, 0):
            hin, a, xhat, var, bn, mask = caches[i]
            dr = dh * mask
            dbn = dr * (bn > 0)
            grads[f"be{i}"] = dbn.sum(0)
            grads[f"g{i}"] = (dbn * xhat).sum(0)
            dxhat = dbn * params[f"g{i}"]
            n = a.shape[0]
            da = (1 / n) / np.sqrt(var + 1e-5) * (n * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0))
            grads[f"W{i}"] = hin.T @ da
            grads[f"b{i}"] = da.sum(0)
            if i > 0:
                dh = da @ params[f"W{i}"].T
        state["t"] += 1
        t = state["t"]
        for k in params:
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            mt = m[k] / (1 - 0.9 ** t)
            vt = v[k] / (1 - 0.999 ** t)
            params[k] -= 1e-3 * mt / (np.sqrt(vt) + 1e-8)

    t = fastest(seconds, step)
    return [{"kind": "train", "name": "mnist_mlp batch 128", "value": 128 / t, "unit": "samples/s", "impl": "numpy"}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--only", default="gemm,train,infer")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "both"])
    args = parser.parse_args()
    precisions = ["fp32", "bf16"] if args.precision == "both" else [args.precision]
    import torch
    torch.set_num_threads(args.threads)
    only = set(args.only.split(","))
    rows = []
    if "gemm" in only:
        rows += gemm_rows(args.seconds, torch, precisions)
    if only & {"train", "infer"}:
        rows += [r for r in torch_rows(args.seconds, torch, precisions) if r["kind"] in only]
    if "train" in only and "fp32" in precisions:
        rows += numpy_mlp_rows(args.seconds)
    if "sequence" in only:
        rows += sequence_rows(args.seconds, torch)
    if "gpt" in only and "train" not in only:
        rows += gpt_rows(args.seconds, torch, "fp32")
    print(json.dumps({"results": rows, "torch": torch.__version__, "numpy": np.__version__, "threads": args.threads}))


if __name__ == "__main__":
    main()

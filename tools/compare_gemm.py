#!/usr/bin/env python3
"""dnn's GEMM against NumPy's OpenBLAS on the shapes of `dnn bench --only gemm`.

Runs every contender in alternating rounds (the machine may be shared and loaded, so
each round measures all of them close together) and prints, per shape, the min and
median GFLOP/s of each and the ratio of medians to the first OpenBLAS column.

    tools/compare_gemm.py --dnn avx2=/tmp/hsw/release/dnn --openblas Haswell \\
        --threads 1 --threads 2 --rounds 5

A contender `--dnn NAME=PATH` is a dnn binary (`dnn bench --only gemm --threads T`);
`--openblas CORE` is NumPy with OPENBLAS_CORETYPE=CORE (`native` leaves it unset), and
OPENBLAS_L2_SIZE unset in both cases (see docs/kernels.md).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

# name in dnn bench -> (m, n, k, transposeA, transposeB)
SHAPES = {
    "256x256x256": (256, 256, 256, False, False),
    "512x512x512": (512, 512, 512, False, False),
    "1024x1024x1024": (1024, 1024, 1024, False, False),
    "mlp fwd 128x784 . (512x784)T": (128, 512, 784, False, True),
    "mlp dW (128x512)T . 128x784": (512, 784, 128, True, False),
    "mlp dX 128x512 . 512x784": (128, 784, 512, False, False),
    "cnn conv2 fwd 64x288 . 288x12544": (64, 12544, 288, False, False),
    "cnn conv2 dW 64x12544 . (288x12544)T": (64, 288, 12544, False, True),
    "cnn conv2 dcol (64x288)T . 64x12544": (288, 12544, 64, True, False),
}

NUMPY_BENCH = r"""
import json, sys, time, numpy as np
shapes, seconds = json.loads(sys.argv[1]), float(sys.argv[2])
rng = np.random.default_rng(0)
out = {}
for name, (m, n, k, ta, tb) in shapes.items():
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)
    a, b = (a.T if ta else a), (b.T if tb else b)
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(a, b, out=c)
    best, end = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter(); np.matmul(a, b, out=c); best = min(best, time.perf_counter() - t)
    out[name] = 2.0 * m * n * k / best / 1e9
print(json.dumps(out))
"""


def run_dnn(path, threads, seconds):
    text = subprocess.run([path, "bench", "--only", "gemm", "--threads", str(threads), "--seconds", str(seconds)],
                          check=True, capture_output=True, text=True).stdout
    result = {}
    for line in text.splitlines():
        match = re.match(r"gemm\s+(.*?)\s+([0-9.]+) GFLOP/s", line)
        if match and match.group(1) in SHAPES:
            result[match.group(1)] = float(match.group(2))
    return result


def run_openblas(python, core, threads, seconds):
    import json
    env = dict(os.environ)
    env.pop("OPENBLAS_L2_SIZE", None)
    env.pop("OPENBLAS_CORETYPE", None)
    if core != "native":
        env["OPENBLAS_CORETYPE"] = core
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    text = subprocess.run([python, "-c", NUMPY_BENCH, json.dumps(SHAPES), str(seconds)],
                          check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dnn", action="append", default=[], help="NAME=PATH of a dnn binary")
    parser.add_argument("--openblas", action="append", default=[], help="OPENBLAS_CORETYPE or native")
    parser.add_argument("--python", default=os.environ.get("DNN_NUMPY_PYTHON", "python3"))
    parser.add_argument("--threads", action="append", type=int, default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.5)
    args = parser.parse_args()
    contenders = [(f"openblas-{core}", ("openblas", core)) for core in args.openblas]
    contenders += [(name, ("dnn", path)) for name, path in (item.split("=", 1) for item in args.dnn)]
    if not contenders:
        raise SystemExit("name at least one --dnn or --openblas contender")
    for threads in args.threads or [1]:
        samples = {name: {shape: [] for shape in SHAPES} for name, _ in contenders}
        for round_index in range(args.rounds):
            for name, (kind, what) in contenders:
                got = (run_openblas(args.python, what, threads, args.seconds) if kind == "openblas"
                       else run_dnn(what, threads, args.seconds))
                for shape, value in got.items():
                    samples[name][shape].append(value)
            print(f"# threads {threads}: round {round_index + 1}/{args.rounds} done", file=sys.stderr)
        report(threads, args.rounds, contenders, samples)


def report(threads, rounds, contenders, samples):
    names = [name for name, _ in contenders]
    print(f"\n{threads} thread(s), {rounds} alternating rounds; GFLOP/s min/median"
          + (f", x = median / median of {names[0]}" if len(names) > 1 else ""))
    print(f"{'shape':38}" + "".join(f"{name:>24}" for name in names))
    for shape in SHAPES:
        base = samples[names[0]][shape]
        cells = []
        for name in names:
            values = samples[name][shape]
            if not values:
                cells.append(f"{'-':>24}")
                continue
            cell = f"{min(values):.1f}/{statistics.median(values):.1f}"
            if name != names[0] and base:
                cell += f" {statistics.median(values) / statistics.median(base):.2f}x"
            cells.append(f"{cell:>24}")
        print(f"{shape:38}" + "".join(cells))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""dnn against PyTorch eager and NumPy, side by side on this machine (`make compare`).

Runs `dnn bench --json --precision both` and `tools/bench_torch.py --precision both`
alternately for several rounds (the machine is shared and noisy, so each row keeps its
best round), then prints every row with the ratios dnn/torch and dnn/numpy, and for the
bf16 rows (dnn's `precision: "bf16"` against PyTorch's bf16 autocast) also dnn's own
bf16/fp32 ratio. With the MNIST files present it also trains
configs/mnist_cnn.json with both (`dnn train` and tools/train_torch.py) and compares
their peak resident memory, time and accuracy. Not needed by CI.

    python3 tools/compare_bench.py [--dnn .build/release/dnn] [--threads 2] [--rounds 3] [--markdown]

`--sequences` (`make compare-sequences`) compares only the sequence workloads, in fp32:
configs/gpt_tiny.json's training steps (also as tokens/s, samples x context) and the
LSTM and GRU classifiers of `dnn bench --only sequence`.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def numpy_env(threads):
    """NumPy at full speed: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for this command only."""
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = str(threads)
    return env


def run_json(command, env=None):
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def peak_rss(command):
    """Runs `command` in a fresh Python process and returns (peak RSS MiB of the child, seconds, stdout)."""
    probe = ("import resource, subprocess, sys, time, json; t = time.time(); "
             "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "print(json.dumps({'rss': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "
             "'seconds': time.time() - t, 'code': p.returncode, 'out': p.stdout, 'err': p.stderr}))")
    result = run_json([sys.executable, "-c", probe] + command, env=numpy_env(2))
    if result["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result['err']}")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (for the README)")
    parser.add_argument("--sequences", action="store_true", help="only gpt_tiny and the LSTM/GRU classifiers, fp32")
    args = parser.parse_args()
    if args.sequences:
        return compare_sequences(args)

    best = {}
    for _ in range(args.rounds):
        ours = run_json([args.dnn, "bench", "--json", "--threads", str(args.threads), "--seconds", str(args.seconds),
                         "--precision", "both"])
        theirs = run_json([sys.executable, os.path.join(ROOT, "tools", "bench_torch.py"), "--threads",
                           str(args.threads), "--seconds", str(args.seconds), "--precision", "both"],
                          env=numpy_env(args.threads))
        for row in ours["results"]:
            row["impl"] = "dnn"
        for row in ours["results"] + theirs["results"]:
            name = row["name"] + (" bf16" if row.get("precision") == "bf16" else "")
            key = (row["kind"], name, row["impl"])
            best[key] = max(best.get(key, 0), row["value"])

    names = []
    for kind, name, _ in best:
        if (kind, name) not in names:
            names.append((kind, name))
    lines = []
    header = ["workload", "unit", "dnn", "torch", "numpy", "dnn/torch", "dnn/numpy", "bf16/fp32"]
    for kind, name in names:
        unit = "GFLOP/s" if kind == "gemm" else "samples/s"
        d, t, n = (best.get((kind, name, impl)) for impl in ("dnn", "torch", "numpy"))
        own = best.get((kind, name[:-len(" bf16")], "dnn")) if name.endswith(" bf16") else None
        lines.append([f"{kind} {name}", unit, d, t, n, d / t if d and t else None, d / n if d and n else None,
                      d / own if d and own else None])
    # Inference at each side's best batch size, in each precision.
    for model in ["mnist_mlp", "mnist_cnn"]:
        for suffix in ["", " bf16"]:
            rows = {impl: max((v for (k, nm, i), v in best.items() if k == "infer" and nm.startswith(model)
                               and nm.endswith(" bf16") == (suffix != "") and i == impl), default=None)
                    for impl in ("dnn", "torch")}
            if rows["dnn"] and rows["torch"]:
                lines.append([f"infer {model} (best batch){suffix}", "samples/s", rows["dnn"], rows["torch"], None,
                              rows["dnn"] / rows["torch"], None, None])

    mnist = os.path.join(ROOT, "data", "mnist", "t10k-images-idx3-ubyte.gz")
    memory = None
    if os.path.exists(mnist):
        with tempfile.TemporaryDirectory() as run_dir:
            ours = peak_rss([args.dnn, "train", os.path.join(ROOT, "configs", "mnist_cnn.json"), "--out", run_dir,
                             "--force", "--quiet", "--threads", str(args.threads)])
            accuracy = max(json.loads(line)["val_accuracy"] for line in open(os.path.join(run_dir, "metrics.jsonl")))
        theirs = peak_rss([sys.executable, os.path.join(ROOT, "tools", "train_torch.py"),
                           os.path.join(ROOT, "configs", "mnist_cnn.json"), "--json", "--threads", str(args.threads)])
        torch_result = json.loads(theirs["out"].strip().splitlines()[-1])
        memory = (ours["rss"], theirs["rss"], ours["seconds"], torch_result["seconds"], accuracy,
                  torch_result["best_val_accuracy"])

    stamp = f"{time.strftime('%Y-%m-%d')}, {platform.machine()} {os.cpu_count()} cores, {args.threads} threads"
    def fmt(value, ratio=False):
        return "" if value is None else (f"{value:.2f}x" if ratio else f"{value:,.1f}")
    if args.markdown:
        print(f"Measured {stamp} (`make compare`, best of {args.rounds} alternating rounds):\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in lines:
            print("| " + " | ".join([row[0], row[1], fmt(row[2]), fmt(row[3]), fmt(row[4]), fmt(row[5], True),
                                     fmt(row[6], True), fmt(row[7], True)]) + " |")
        if memory:
            print(f"\n`dnn train configs/mnist_cnn.json`: peak RSS {memory[0]:.0f} MiB against PyTorch's "
                  f"{memory[1]:.0f} MiB ({memory[1] / memory[0]:.1f}x less), {memory[2]:.1f} s against "
                  f"{memory[3]:.1f} s (PyTorch's time counts training only), best val_accuracy {memory[4]:.4f} "
                  f"against {memory[5]:.4f}.")
        return
    print(f"dnn vs PyTorch eager and NumPy: {stamp}, best of {args.rounds} alternating rounds")
    widths = [46, 10, 12, 12, 12, 10, 10, 10]
    print("".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in lines:
        cells = [row[0], row[1], fmt(row[2]), fmt(row[3]), fmt(row[4]), fmt(row[5], True), fmt(row[6], True),
                 fmt(row[7], True)]
        print("".join(c.ljust(w) for c, w in zip(cells, widths)))
    if memory:
        print(f"\ntrain configs/mnist_cnn.json: peak RSS dnn {memory[0]:.0f} MiB, torch {memory[1]:.0f} MiB "
              f"(torch/dnn {memory[1] / memory[0]:.1f}x); time dnn {memory[2]:.1f} s (whole process), torch "
              f"{memory[3]:.1f} s (training loop); best val_accuracy dnn {memory[4]:.4f}, torch {memory[5]:.4f}")


def compare_sequences(args):
    """gpt_tiny, LSTM and GRU training rows of dnn and torch, alternating rounds, best of each."""
    common = ["--threads", str(args.threads), "--seconds", str(args.seconds)]
    best = {}
    for _ in range(args.rounds):
        ours = run_json([args.dnn, "bench", "--json", "--only", "train,sequence", "--models", "gpt_tiny"] + common)
        theirs = run_json([sys.executable, os.path.join(ROOT, "tools", "bench_torch.py"), "--only", "sequence,gpt"]
                          + common, env=numpy_env(args.threads))
        for impl, result in (("dnn", ours), ("torch", theirs)):
            for row in result["results"]:
                best[(row["name"], impl)] = max(best.get((row["name"], impl), 0), row["value"])
    context = json.load(open(os.path.join(ROOT, "configs", "gpt_tiny.json")))["data"]["train"]["context"]
    stamp = f"{time.strftime('%Y-%m-%d')}, {platform.machine()} {os.cpu_count()} cores, {args.threads} threads"
    print(f"dnn vs PyTorch eager, sequence models: {stamp}, fp32, best of {args.rounds} alternating rounds")
    widths = [40, 12, 14, 14, 10]
    print("".join(h.ljust(w) for h, w in zip(["workload", "unit", "dnn", "torch", "dnn/torch"], widths)))
    for name in dict.fromkeys(name for name, _ in best):
        d, t = best.get((name, "dnn")), best.get((name, "torch"))
        rows = [("samples/s", 1)] + ([("tokens/s", context)] if name.startswith("gpt_tiny") else [])
        for unit, factor in rows:
            cells = [name, unit, f"{d * factor:,.1f}" if d else "", f"{t * factor:,.1f}" if t else "",
                     f"{d / t:.2f}x" if d and t else ""]
            print("".join(c.ljust(w) for c, w in zip(cells, widths)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Thread scaling of `dnn bench`'s training rows on this machine, side by side: 2 threads
against 1 thread, and what two cores allow.

Issue #22 asks 2 threads to train mnist_mlp at least 1.7x and mnist_cnn at least 1.8x one
thread. Each round runs, one after the other, so that all three see the same machine
(shared and noisy):
  1 thread    `dnn bench --only train --threads 1`
  2 threads   `dnn bench --only train --threads 2`
  ceiling     two `--threads 1` processes started at once, their rates summed: what two
              cores give with no sharing of work at all (caches, memory bandwidth, the
              hypervisor's cores). Two threads cannot be expected above it.
Ratios over the 1-thread figure, from the best and the median of the rounds.

    python3 tools/thread_scaling.py [--dnn .build/release/dnn] [--rounds 5] [--seconds 2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command(dnn, threads, seconds, models):
    return [dnn, "bench", "--only", "train", "--threads", str(threads), "--seconds", str(seconds),
            "--models", models, "--json", "--configs", os.path.join(ROOT, "configs")]


def rates(output):
    """Training samples/s by model name from `dnn bench --json`."""
    rows = json.loads(output)["results"]
    return {row["name"].split(" ")[0]: row["value"] for row in rows if row["kind"] == "train"}


def bench(dnn, threads, seconds, models):
    done = subprocess.run(command(dnn, threads, seconds, models), check=True, capture_output=True, text=True)
    return rates(done.stdout)


def bench_together(dnn, seconds, models, processes=2):
    """`processes` one-thread benches started at once; each model's rates summed."""
    running = [subprocess.Popen(command(dnn, 1, seconds, models), stdout=subprocess.PIPE, text=True)
               for _ in range(processes)]
    outputs = [process.communicate()[0] for process in running]
    if any(process.returncode != 0 for process in running):
        sys.exit("a one-thread bench failed")
    figures = [rates(output) for output in outputs]
    return {name: sum(figure[name] for figure in figures) for name in figures[0]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--models", default="mnist_mlp,mnist_cnn")
    args = parser.parse_args()
    one, two, apart = {}, {}, {}
    for _ in range(args.rounds):
        for table, figures in ((one, bench(args.dnn, 1, args.seconds, args.models)),
                               (two, bench(args.dnn, 2, args.seconds, args.models)),
                               (apart, bench_together(args.dnn, args.seconds, args.models))):
            for name, rate in figures.items():
                table.setdefault(name, []).append(rate)
    print(f"dnn bench --only train, {args.rounds} alternating rounds of {args.seconds:g} s, samples/s")
    print(f"{'model':<12}{'1 thread best':>15}{'median':>9}{'2 threads best':>16}{'median':>9}"
          f"{'2/1 best':>10}{'median':>8}{'ceiling best':>14}{'median':>8}")
    for name in one:
        best = max(two[name]) / max(one[name])
        median = statistics.median(two[name]) / statistics.median(one[name])
        ceiling = max(apart[name]) / max(one[name])
        ceiling_median = statistics.median(apart[name]) / statistics.median(one[name])
        print(f"{name:<12}{max(one[name]):>15,.0f}{statistics.median(one[name]):>9,.0f}{max(two[name]):>16,.0f}"
              f"{statistics.median(two[name]):>9,.0f}{best:>9.2f}x{median:>7.2f}x{ceiling:>13.2f}x{ceiling_median:>7.2f}x")


if __name__ == "__main__":
    main()

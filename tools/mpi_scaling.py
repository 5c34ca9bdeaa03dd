#!/usr/bin/env python3
"""Data-parallel scaling of `dnn train` on this machine, as issue #11 defines it: N ranks
of 1 thread against 1 process of 1 thread, the same config and global batch.

The two runs alternate, round after round, so that both see the same machine (it is
shared and noisy). Each run's figure is `samples_per_second` of its epochs after the first
(which warms caches and the thread pool), from `metrics.jsonl`. The efficiency is
(samples/s of the N ranks) / (N x samples/s of one process), from the best and from the
median run of each side.

Two more columns say what this machine allows. `ceiling`: N independent processes of 1
thread started at once, each on the whole config (no communication at all), their summed
samples/s over N x one process: what N ranks could reach if communicating were free. Where
it is below 1 (shared caches, memory bandwidth, a hypervisor's cores), the ranks cannot
exceed it. `sum %`: the share of the ranks' epoch time spent waiting for gradient sums
(`allreduce_seconds` / `seconds` in rank 0's metrics.jsonl).

    python3 tools/mpi_scaling.py [--ranks 2] [--rounds 5] [--epochs 3] [--dnn PATH] CONFIG...

Needs Open MPI's mpirun (as root: OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def arguments(command, out):
    return command + ["--threads", "1", "--out", out, "--quiet", "--force"]


def epochs(out):
    """Rank 0's metrics rows after the first epoch (which warms caches and the thread pool)."""
    with open(os.path.join(out, "metrics.jsonl")) as metrics:
        rows = [json.loads(line) for line in metrics if line.strip()]
    return rows[1:] or rows[:1]


def run(command, out):
    subprocess.run(arguments(command, out), check=True, stdout=subprocess.DEVNULL)
    rows = epochs(out)
    return [row["samples_per_second"] for row in rows], [row["allreduce_seconds"] / row["seconds"] for row in rows]


def run_independent(command, outs):
    """The same command started len(outs) times at once; each epoch's samples/s summed over them."""
    processes = [subprocess.Popen(arguments(command, out), stdout=subprocess.DEVNULL) for out in outs]
    if any(process.wait() != 0 for process in processes):
        sys.exit("an independent run failed")
    per_run = [[row["samples_per_second"] for row in epochs(out)] for out in outs]
    return [sum(figures) for figures in zip(*per_run)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="+")
    parser.add_argument("--ranks", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--dnn", default=".build/release/dnn")
    args = parser.parse_args()
    dnn = os.path.abspath(args.dnn)
    print(f"{args.ranks} ranks x 1 thread against 1 process x 1 thread, {args.rounds} alternating rounds, "
          f"epochs 2..{args.epochs} of each run")
    print(f"{'config':<16}{'1 process best':>16}{'median':>10}{f'{args.ranks} ranks best':>16}{'median':>10}"
          f"{'eff. best':>11}{'median':>9}{'ceiling best':>14}{'median':>9}{'sum %':>7}")
    with tempfile.TemporaryDirectory() as scratch:
        for config in args.configs:
            one, many, apart, waiting = [], [], [], []
            for _ in range(args.rounds):
                train = [dnn, "train", os.path.abspath(config), "--epochs", str(args.epochs)]
                one += run(train, os.path.join(scratch, "one"))[0]
                figures, shares = run(["mpirun", "-np", str(args.ranks)] + train, os.path.join(scratch, "many"))
                many += figures
                waiting += shares
                apart += run_independent(train, [os.path.join(scratch, f"apart{r}") for r in range(args.ranks)])
            name = os.path.splitext(os.path.basename(config))[0]
            best = max(many) / (args.ranks * max(one))
            median = statistics.median(many) / (args.ranks * statistics.median(one))
            ceiling = max(apart) / (args.ranks * max(one))
            ceiling_median = statistics.median(apart) / (args.ranks * statistics.median(one))
            print(f"{name:<16}{max(one):>16,.0f}{statistics.median(one):>10,.0f}{max(many):>16,.0f}"
                  f"{statistics.median(many):>10,.0f}{best:>11.3f}{median:>9.3f}{ceiling:>14.3f}"
                  f"{ceiling_median:>9.3f}{100 * statistics.median(waiting):>7.1f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

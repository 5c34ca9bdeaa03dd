#!/usr/bin/env python3
"""Data-parallel scaling of `dnn train` on this machine, as issue #11 defines it: N ranks
of 1 thread against 1 process of 1 thread, the same config and global batch.

The two runs alternate, round after round, so that both see the same machine (it is
shared and noisy). Each run's figure is `samples_per_second` of its epochs after the first
(which warms caches and the thread pool), from `metrics.jsonl`. The efficiency is
(samples/s of the N ranks) / (N x samples/s of one process), from the best and from the
median run of each side.

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


def run(command, out):
    subprocess.run(command + ["--threads", "1", "--out", out, "--quiet", "--force"], check=True,
                   stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "metrics.jsonl")) as metrics:
        rows = [json.loads(line) for line in metrics if line.strip()]
    return [row["samples_per_second"] for row in rows[1:]] or [rows[0]["samples_per_second"]]


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
          f"{'eff. best':>11}{'median':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        for config in args.configs:
            one, many = [], []
            for _ in range(args.rounds):
                train = [dnn, "train", os.path.abspath(config), "--epochs", str(args.epochs)]
                one += run(train, os.path.join(scratch, "one"))
                many += run(["mpirun", "-np", str(args.ranks)] + train, os.path.join(scratch, "many"))
            name = os.path.splitext(os.path.basename(config))[0]
            best = max(many) / (args.ranks * max(one))
            median = statistics.median(many) / (args.ranks * statistics.median(one))
            print(f"{name:<16}{max(one):>16,.0f}{statistics.median(one):>10,.0f}{max(many):>16,.0f}"
                  f"{statistics.median(many):>10,.0f}{best:>11.3f}{median:>9.3f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()

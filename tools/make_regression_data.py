#!/usr/bin/env python3
"""Writes data/regression.csv: a small synthetic regression set for configs/regression.json.

Standard library only, fixed seed, so anyone can rerun it and get the same bytes:

    python3 tools/make_regression_data.py            # writes data/regression.csv

600 rows, six numeric features x1..x6 on different scales (x5 in the hundreds, so that
`normalize: standardize` matters) and two targets with nonlinear relations plus noise:

    y1 = 3 sin(x1) + x2^2 - 2 x3 x4 + 0.01 x5 + N(0, 0.3)
    y2 = 50 + 20 exp(-x1^2) + 8 x6 x2 + N(0, 1.0)

The targets have means and spreads far from 0 and 1 (y2 around 55), which is what
`data.normalize_target: standardize` is for. x1..x6 all enter the targets.
"""
import math
import os
import random

ROWS = 600
SEED = 12


def row(rng):
    x1 = rng.uniform(-3, 3)
    x2 = rng.uniform(-2, 2)
    x3 = rng.gauss(0, 1)
    x4 = rng.gauss(0, 1)
    x5 = rng.uniform(0, 300)
    x6 = rng.uniform(-1, 1)
    y1 = 3 * math.sin(x1) + x2 * x2 - 2 * x3 * x4 + 0.01 * x5 + rng.gauss(0, 0.3)
    y2 = 50 + 20 * math.exp(-x1 * x1) + 8 * x6 * x2 + rng.gauss(0, 1.0)
    return [x1, x2, x3, x4, x5, x6, y1, y2]


def main():
    rng = random.Random(SEED)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "regression.csv")
    with open(path, "w", newline="\n") as out:
        out.write("x1,x2,x3,x4,x5,x6,y1,y2\n")
        for _ in range(ROWS):
            out.write(",".join(f"{v:.4f}" for v in row(rng)) + "\n")
    print(f"wrote {ROWS} rows to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()

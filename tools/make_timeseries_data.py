#!/usr/bin/env python3
"""Write the GunPoint time-series set as CSV for configs/ts_fcn.json and ts_resnet.json.

    pip install --no-deps aeon        # only its bundled data files are read, nothing imported
    python3 tools/make_timeseries_data.py [--aeon DIR]

GunPoint (UCR Time Series Classification Archive): 50 training and 150 test series of
150 values (the x position of an actor's hand), two classes, 1 = gun_draw, 2 = point.
Reads aeon's GunPoint_TRAIN.ts and GunPoint_TEST.ts and writes data/gunpoint_train.csv
and data/gunpoint_test.csv: a header `t0,...,t149,label`, one series per row, the values
copied as written in the .ts files (so the bytes do not depend on float formatting).
"""

import argparse
import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLASS_NAMES = {"1": "gun_draw", "2": "point"}


def aeon_data_folder():
    spec = importlib.util.find_spec("aeon")  # finds the package without importing it (and numba)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("aeon is not installed: pip install --no-deps aeon, or pass --aeon DIR")
    return os.path.join(list(spec.submodule_search_locations)[0], "datasets", "data", "GunPoint")


def read_ts(path):
    """The rows of a univariate, equal-length .ts file: (values as text, class label)."""
    rows, in_data = [], False
    for line in open(path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            in_data = True
            continue
        if in_data:
            values, label = line.rsplit(":", 1)
            rows.append((values.split(","), CLASS_NAMES[label]))
    return rows


def write_csv(rows, path):
    length = len(rows[0][0])
    assert all(len(values) == length for values, _ in rows), "series of different lengths"
    with open(path, "w") as f:
        f.write(",".join([f"t{i}" for i in range(length)] + ["label"]) + "\n")
        for values, label in rows:
            f.write(",".join(values + [label]) + "\n")
    print(f"{os.path.relpath(path, ROOT)}: {len(rows)} series of {length} values")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--aeon", help="the folder holding GunPoint_TRAIN.ts and GunPoint_TEST.ts")
    args = ap.parse_args()
    folder = args.aeon or aeon_data_folder()
    for split in ("train", "test"):
        rows = read_ts(os.path.join(folder, f"GunPoint_{split.upper()}.ts"))
        write_csv(rows, os.path.join(ROOT, "data", f"gunpoint_{split}.csv"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write the ItalyPowerDemand time-series set as CSV for configs/ts_gru.json.

    python3 tools/make_italypower_data.py [--wheel aeon-*.whl] [--out data]

The UCR archive's ItalyPowerDemand (67 training and 1,029 test days of 24 hourly
power-demand values, each day z-normalised; class 1 = October to March, 2 = April to
September) ships inside the `aeon` package (BSD-3-Clause), in
aeon/datasets/data/ItalyPowerDemand/*.ts. This reads those files from an installed aeon
(found without importing it) or straight from a wheel (`pip download aeon --no-deps`),
and writes data/italypower_train.csv and data/italypower_test.csv: a header
t0..t23,label and one day per row, values as written in the .ts files. CI never runs
this: the CSVs are committed.
"""
import argparse
import importlib.util
import os
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMBER = "aeon/datasets/data/ItalyPowerDemand/ItalyPowerDemand_{}.ts"


def read_ts(text):
    """Rows (values, label) of a univariate .ts file: comma-separated values, ':' label."""
    rows, in_data = [], False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            in_data = True
        elif in_data:
            values, label = line.rsplit(":", 1)
            rows.append((values.split(","), label))
    return rows


def source(split, wheel):
    if wheel:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(MEMBER.format(split)).decode()
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("aeon is not installed: pip install aeon, or pass --wheel aeon-*.whl")
    base = os.path.dirname(list(spec.submodule_search_locations)[0])
    with open(os.path.join(base, MEMBER.format(split))) as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel")
    ap.add_argument("--out", default=os.path.join(ROOT, "data"))
    args = ap.parse_args()
    for split in ("TRAIN", "TEST"):
        rows = read_ts(source(split, args.wheel))
        length = len(rows[0][0])
        assert all(len(values) == length for values, _ in rows), "series of unequal length"
        path = os.path.join(args.out, f"italypower_{split.lower()}.csv")
        with open(path, "w") as f:
            f.write(",".join([f"t{i}" for i in range(length)] + ["label"]) + "\n")
            for values, label in rows:
                f.write(",".join(values + [label]) + "\n")
        print(f"{os.path.relpath(path, ROOT)}: {len(rows)} rows of {length} values")


if __name__ == "__main__":
    main()

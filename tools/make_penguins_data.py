#!/usr/bin/env python3
"""Writes data/penguins.csv: the Palmer penguins data (Horst, Hill and Gorman, 2020;
344 rows, CC0), as the `palmerpenguins` package ships it, for configs/penguins.json.

    pip install palmerpenguins
    python3 tools/make_penguins_data.py

The file is copied byte for byte: the label `species`, the text columns `island` and
`sex`, four measurements, `year`, and `NA` where a value was not recorded.
"""
import pathlib
import shutil

import palmerpenguins

source = pathlib.Path(palmerpenguins.__file__).parent / "data" / "penguins.csv"
target = pathlib.Path(__file__).resolve().parent.parent / "data" / "penguins.csv"
shutil.copyfile(source, target)
rows = target.read_text().splitlines()
print(f"wrote {target}: {len(rows) - 1} rows, columns {rows[0]}")

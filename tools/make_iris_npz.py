#!/usr/bin/env python3
"""Writes data/iris.npz from data/iris.csv, as np.savez_compressed: x float32 (150, 4),
y int64 class indices, classes (the species, sorted, as dnn numbers string classes) and
features (the column names). configs/iris_npz.json trains on it; with the same seed its
metrics.jsonl equals configs/iris.json's (the same rows, classes and float32 values).

python3 tools/make_iris_npz.py
"""
import csv
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..")

with open(os.path.join(ROOT, "data", "iris.csv"), newline="") as f:
    rows = list(csv.reader(f))
header, rows = rows[0], rows[1:]
label = header.index("species")
features = [name for index, name in enumerate(header) if index != label]
classes = sorted({row[label] for row in rows})
x = np.array([[float(v) for i, v in enumerate(row) if i != label] for row in rows], dtype=np.float32)
y = np.array([classes.index(row[label]) for row in rows], dtype=np.int64)
np.savez_compressed(os.path.join(ROOT, "data", "iris.npz"), x=x, y=y, classes=np.array(classes), features=np.array(features))

#!/usr/bin/env python3
"""Writes Tests/DNNTests/Fixtures/csv_encoding.json: scikit-learn's encoding of a small
mixed CSV (the reference of CSVEncodingTests).

    python3 tools/make_csv_encoding_fixtures.py

The table has a label `y` (one row without a label, which dnn skips), numeric columns
with missing cells (`NA`, empty), categorical columns (text, and numbers that sort
numerically), and a test file with a category never seen in training and a missing cell
in a column that had none in training. For each `missing.strategy` (with and without
`indicator`) the expected features are

    [each column in order: SimpleImputer(strategy) for a numeric one,
     OneHotEncoder(handle_unknown="ignore") for a categorical one (missing = its own
     category, last)] + MissingIndicator(features="missing-only") columns,

fitted on the training rows and applied to both files.
"""
import json
import pathlib

import numpy as np
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.preprocessing import OneHotEncoder

TRAIN = """y,a,b,c,d,e
x,1.5,red,10,9,0.25
z,NA,blue,,10,1
x,2.5,NA,7,100,2
z,4,red,7,9,-1
x,NA,green,3,NA,0.5
NA,9,red,1,9,3
z,0.5,blue,3,100,4
x,1.5,red,,10,-2
"""
TEST = """y,a,b,c,d,e
x,NA,purple,5,9,NA
z,3,red,,1000,1
x,2,NA,7,NA,2
"""
NUMERIC = ["a", "c", "e"]
CATEGORICAL = ["b", "d"]
COLUMNS = ["a", "b", "c", "d", "e"]
MISSING = {"", "NA", "N/A", "NaN", "nan", "?"}


def rows(text):
    lines = text.strip().split("\n")
    header = lines[0].split(",")
    table = [dict(zip(header, line.split(","))) for line in lines[1:]]
    return [row for row in table if row["y"] not in MISSING]


def numeric(table, column):
    return np.array([[np.nan if row[column] in MISSING else float(row[column])] for row in table])


def categorical(table, column):
    return np.array([[np.nan if row[column] in MISSING else row[column]] for row in table], dtype=object)


def sort_key(value):
    # Categories sort as dnn sorts class labels: numerically when all are numbers.
    return float(value)


def categories(table, column):
    values = sorted({row[column] for row in table if row[column] not in MISSING},
                    key=sort_key if column == "d" else None)
    has_missing = any(row[column] in MISSING for row in table)
    return values + ([np.nan] if has_missing else [])


def encode(train, test, strategy, indicator):
    blocks_train, blocks_test, names = [], [], []
    for column in COLUMNS:
        if column in NUMERIC:
            imputer = SimpleImputer(strategy=strategy, fill_value=0.0, keep_empty_features=True)
            blocks_train.append(imputer.fit_transform(numeric(train, column)))
            blocks_test.append(imputer.transform(numeric(test, column)))
            names.append(column)
        else:
            cats = categories(train, column)
            encoder = OneHotEncoder(categories=[np.array(cats, dtype=object)], handle_unknown="ignore",
                                    sparse_output=False)
            blocks_train.append(encoder.fit_transform(categorical(train, column)))
            blocks_test.append(encoder.transform(categorical(test, column)))
            names += [f"{column}={'<missing>' if c is np.nan else c}" for c in cats]
    if indicator:
        def frame(table):
            return np.array([[1.0 if row[c] in MISSING else 0.0 for c in COLUMNS] for row in table])
        marker = MissingIndicator(missing_values=1.0, features="missing-only", error_on_new=False)
        blocks_train.append(marker.fit_transform(frame(train)).astype(float))
        blocks_test.append(marker.transform(frame(test)).astype(float))
        names += [f"missing:{COLUMNS[i]}" for i in marker.features_]
    return names, np.hstack(blocks_train), np.hstack(blocks_test)


def main():
    train, test = rows(TRAIN), rows(TEST)
    cases = []
    for strategy in ["mean", "median", "most_frequent", "constant"]:
        for indicator in [False, True]:
            names, x_train, x_test = encode(train, test, strategy, indicator)
            cases.append({"strategy": strategy, "indicator": indicator, "names": names,
                          "train": x_train.tolist(), "test": x_test.tolist()})
    fixture = {"train_csv": TRAIN, "test_csv": TEST, "categorical": CATEGORICAL,
               "train_labels": [row["y"] for row in train], "cases": cases}
    path = pathlib.Path(__file__).resolve().parent.parent / "Tests/DNNTests/Fixtures/csv_encoding.json"
    path.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {path}: {len(cases)} cases")


main()

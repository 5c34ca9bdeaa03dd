#!/usr/bin/env python3
"""Checks `dnn export` against onnxruntime.

For a dnn checkpoint and a data file (CSV, or IDX images raw or .gz), this
  1. exports the checkpoint with `dnn export` (or takes --onnx FILE),
  2. runs onnx.checker.check_model(model, full_check=True),
  3. checks the graph's interface: input `input` [batch, *sample shape] with a symbolic
     batch, outputs `logits` and `probabilities`, metadata_props `classes` and `dnn_config`
     (and `dnn_encoding` for a model trained on an encoded CSV: raw rows are then encoded
     by the `encode_row` snippet of docs/data-csv.md),
     (a regression checkpoint: output `prediction`, metadata_props `targets`),
  4. runs onnxruntime on the raw features (the model normalises them itself) one sample
     at a time for the first --batch1 samples, and over the whole file in batches,
  5. compares its `probabilities` with `dnn predict CHECKPOINT DATA --probabilities`
     (regression: its `prediction`, in the targets' units, with the values `dnn predict`
     prints, relative to max(1, |value|)).

Exit 0 when every value agrees within --tolerance (1e-5), 1 otherwise. With --json it
prints one JSON object: {"max_diff_batch1": x, "max_diff_full": x, "samples": n, ...}.

Needs: pip install onnx onnxruntime numpy (`make onnx-venv` makes .build/venv-onnx).
"""
import argparse
import csv
import gzip
import io
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DNN = os.path.join(HERE, "..", ".build", "release", "dnn")


def run(command):
    """Runs a command and returns its stdout; exits with its stderr on failure."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"check_onnx: {' '.join(command)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def read_idx_images(path):
    """IDX images (magic 0x00000803, big-endian sizes), raw or gzip, as float32 [N, rows*cols]."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != 0x803:
        sys.exit(f"check_onnx: {path} is not an IDX image file (magic {magic:#x})")
    pixels = np.frombuffer(data, dtype=np.uint8, offset=16, count=count * rows * cols)
    return pixels.reshape(count, rows * cols).astype(np.float32)


def is_idx(path):
    with open(path, "rb") as f:
        head = f.read(4)
    if head[:2] == b"\x1f\x8b":
        with gzip.open(path, "rb") as f:
            head = f.read(4)
    return len(head) == 4 and head[0] == 0 and head[1] == 0 and head[2] == 8


def read_csv_features(path, label_columns):
    """The feature columns of a CSV with a header, in file order, without the label columns."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [row for row in rows[1:] if row]
    keep = [j for j, name in enumerate(header) if name not in label_columns]
    return np.array([[float(row[j]) for j in keep] for row in body], dtype=np.float32)


def documented_encode_row():
    """`encode_row` exactly as docs/data-csv.md shows it (the block after `<!-- encode_row -->`),
    so that this check also tests the documented snippet."""
    text = open(os.path.join(HERE, "..", "docs", "data-csv.md")).read()
    block = text.split("<!-- encode_row -->", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {"__name__": "data_csv_snippet"}
    exec(block, namespace)
    return namespace["encode_row"]


def read_encoded_features(path, source, encoding):
    """A raw CSV (text columns, missing cells) encoded by the model's `dnn_encoding`."""
    separator = source.get("separator", ",")
    with open(path, newline="") as f:
        if source.get("header", True):
            rows = list(csv.DictReader(f, delimiter=separator))
        else:
            rows = [{str(j): cell for j, cell in enumerate(row)} for row in csv.reader(f, delimiter=separator) if row]
    encode_row = documented_encode_row()
    return np.array([encode_row(row, encoding) for row in rows], dtype=np.float32)


def read_features(data, config, encoding=None):
    """Raw features as `dnn predict` reads them (before normalisation), [N, *input_shape]."""
    if is_idx(data):
        features = read_idx_images(data)
    elif encoding is not None:
        features = read_encoded_features(data, config["data"]["train"], encoding)
    else:
        label = config["data"]["train"].get("label") if config["data"]["train"].get("format") == "csv" else None
        features = read_csv_features(data, label if isinstance(label, list) else [label])
    return features.reshape([features.shape[0]] + list(config["model"]["input_shape"]))


def is_regression(config):
    return config["loss"]["type"] != "cross_entropy"


def dnn_outputs(dnn, checkpoint, data, names, regression):
    """`dnn predict --probabilities` as float64 [N, classes]; for regression, the
    predicted values `dnn predict` prints, [N, targets]."""
    text = run([dnn, "predict", checkpoint, data] + ([] if regression else ["--probabilities"]))
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    columns = [header.index(name if regression else "p_" + name) for name in names]
    return np.array([[float(row[j]) for j in columns] for row in rows[1:] if row], dtype=np.float64)


def check_interface(model, sample_shape, regression):
    """The names, shapes and metadata the contract fixes; returns the class (or target) names."""
    graph = model.graph
    outputs = ["prediction"] if regression else ["logits", "probabilities"]
    assert [i.name for i in graph.input] == ["input"], [i.name for i in graph.input]
    assert [o.name for o in graph.output] == outputs, [o.name for o in graph.output]
    dims = graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].HasField("dim_value"), "the batch dimension is not symbolic"
    assert [d.dim_value for d in dims[1:]] == list(sample_shape), (dims, sample_shape)
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    metadata = {p.key: p.value for p in model.metadata_props}
    assert model.producer_name == "dnn", model.producer_name
    if regression:
        assert "classes" not in metadata, "a regression model has no classes"
        return json.loads(metadata["targets"])
    return json.loads(metadata["classes"])


def onnx_outputs(session, features, batch, output):
    """onnxruntime's `output` in batches of `batch` rows."""
    parts = [session.run([output], {"input": features[start:start + batch]})[0]
             for start in range(0, len(features), batch)]
    return np.concatenate(parts).astype(np.float64)


def max_difference(actual, expected, regression):
    """The largest difference; for regression relative to max(1, |expected|), since values
    in a target's units may be large."""
    scale = np.maximum(1.0, np.abs(expected)) if regression else 1.0
    return float((np.abs(actual - expected) / scale).max())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint")
    parser.add_argument("data", help="a CSV file or IDX images (raw or .gz)")
    parser.add_argument("--onnx", help="an exported model (default: export to a temporary file)")
    parser.add_argument("--opset", type=int, help="passed to dnn export")
    parser.add_argument("--dnn", default=DEFAULT_DNN, help="the dnn binary (default: .build/release/dnn)")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    parser.add_argument("--batch1", type=int, default=32, help="samples run one at a time (32)")
    parser.add_argument("--batch", type=int, default=500, help="batch size over the whole file (500)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = args.onnx
        if path is None:
            path = os.path.join(folder, "model.onnx")
            run([args.dnn, "export", args.checkpoint, "-o", path]
                + ([] if args.opset is None else ["--opset", str(args.opset)]))
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
        metadata = {p.key: p.value for p in model.metadata_props}
        config = json.loads(metadata["dnn_config"])
        encoding = json.loads(metadata["dnn_encoding"]) if "dnn_encoding" in metadata else None
        regression = is_regression(config)
        names = check_interface(model, config["model"]["input_shape"], regression)
        features = read_features(args.data, config, encoding)
        expected = dnn_outputs(args.dnn, args.checkpoint, args.data, names, regression)
        assert expected.shape == (len(features), len(names)), (expected.shape, features.shape)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        one = min(args.batch1, len(features))
        output = "prediction" if regression else "probabilities"
        batch1 = onnx_outputs(session, features[:one], 1, output)
        full = onnx_outputs(session, features, args.batch, output)
        result = {
            "checkpoint": args.checkpoint, "opset": opset, "samples": len(features), "batch1_samples": one,
            "nodes": len(model.graph.node), "max_diff_batch1": max_difference(batch1, expected[:one], regression),
            "max_diff_full": max_difference(full, expected, regression),
            "same_argmax": regression or bool((full.argmax(1) == expected.argmax(1)).all()),
        }
    ok = result["max_diff_batch1"] <= args.tolerance and result["max_diff_full"] <= args.tolerance
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.checkpoint}: opset {opset}, {result['nodes']} nodes, {result['samples']} samples: "
              f"max |onnxruntime - dnn predict| = {result['max_diff_batch1']:.3g} at batch 1, "
              f"{result['max_diff_full']:.3g} over all ({'ok' if ok else 'ABOVE ' + str(args.tolerance)})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Check that a dnn checkpoint loads into the equivalent PyTorch model, and evaluate it.

    python3 tools/check_checkpoint.py CHECKPOINT [--data CSV | --images IDX --labels IDX] [--json]

Expected checkpoint format (shared/CONTRACT.md, "Checkpoints"): a safetensors file whose
tensors are exactly the state_dict() of torch.nn.Sequential built from model.layers
(parameterless layers included, so indices match: "0.weight", "1.running_mean",
"4.body.0.weight", "4.shortcut.1.num_batches_tracked", ...), with PyTorch's shapes
(Linear weight [out, in], conv weight [out, in, kh, kw]) and num_batches_tracked an I64
scalar. Its __metadata__ string map holds:

    config         the resolved dnn config as a JSON string; model.layers is the layer
                   list and model.input_shape the per-sample input shape (always present
                   in a resolved config); data.train.label names the CSV label column
    classes        a JSON array of class names, index = class id (e.g. ["0","1","2"] or
                   ["cat","dog"]); optional (default: "0".."C-1")
    normalization  a JSON object {"kind": "none"|"scale"|"standardize", "mean": [...],
                   "std": [...]}; optional (default none). scale divides by 255,
                   standardize computes (x - mean) / std per feature (the flat feature
                   index), with the stored std used as is
    epoch          a decimal string (reported, not checked)

What it does: builds the model with tools/dnn_torch.py (float64), calls
model.load_state_dict(state, strict=True) and reports success or the mismatch. With
data it evaluates in eval mode: a CSV (header row; the label column is the config's
data.train.label, every other column is a feature in file order) or IDX files (raw or
gzip; images become float [N, 1, H, W] of byte values); labels map to class ids as dnn
maps them (integers directly when the classes are "0".."C-1", else by class name, else
by numeric value); the normalisation is applied, each sample is reshaped to
model.input_shape, and it prints the mean cross-entropy loss and the accuracy. A regression
checkpoint (loss mse, l1 or huber; label one column or a list) prints instead the loss on
the targets as training scaled them (metadata target_normalization) and MAE, RMSE and R² in
the targets' units, as `dnn eval --json` reports them.

--json prints exactly one JSON object on stdout:
    {"strict_load": true, "loss": x, "accuracy": x, "samples": n, ...}   (with data)
    {"strict_load": true, "tensors": n, ...}                              (without)
    {"strict_load": false, "error": "..."}                                (load failed, exit 1)
    {"strict_load": true, "error": "..."}                                 (bad data, exit 2)

Exit codes: 0 success; 1 the checkpoint or its config cannot be loaded into the model
(missing/unexpected tensors, shape mismatch, bad metadata); 2 bad usage or bad data.
"""

import argparse
import csv
import gzip
import json
import math
import os
import struct
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnn_torch import DTYPE, SpecError, build_torch_model, model_output_shape  # noqa: E402


class LoadError(Exception):
    pass


class DataError(Exception):
    pass


def load_checkpoint(path):
    from safetensors import safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(path, "pt") as f:
            meta = f.metadata() or {}
        state = load_file(path)
    except Exception as e:  # safetensors raises several kinds
        raise LoadError(f"{path}: not a readable safetensors file: {e}") from None
    if "config" not in meta:
        raise LoadError(f"{path}: __metadata__ has no \"config\" (keys: {sorted(meta)})")
    try:
        config = json.loads(meta["config"])
    except json.JSONDecodeError as e:
        raise LoadError(f"{path}: __metadata__.config is not JSON: {e}") from None
    info = {"config": config, "epoch": meta.get("epoch")}
    for key in ("classes", "normalization", "target_normalization"):
        if key in meta:
            try:
                info[key] = json.loads(meta[key])
            except json.JSONDecodeError as e:
                raise LoadError(f"{path}: __metadata__.{key} is not JSON: {e}") from None
    return state, info, meta


def build_and_load(state, config):
    try:
        layers = config["model"]["layers"]
        input_shape = config["model"]["input_shape"]
    except (KeyError, TypeError):
        raise LoadError("config: model.layers and model.input_shape are required") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = build_torch_model(layers, input_shape)
    except SpecError as e:
        raise LoadError(f"config: {e}") from None
    problems = []
    expected = model.state_dict()
    for name, t in state.items():
        if name in expected and expected[name].dtype == torch.int64 and t.dtype != torch.int64:
            problems.append(f"{name}: dtype {t.dtype}, PyTorch has torch.int64")
    # Evaluate at the checkpoint's floating precision if it is uniform (F64 or F32).
    float_dtypes = {t.dtype for t in state.values() if t.is_floating_point()}
    if len(float_dtypes) == 1:
        model = model.to(float_dtypes.pop())
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise LoadError(f"load_state_dict(strict=True) failed: {e}") from None
    if problems:
        raise LoadError("; ".join(problems))
    return model, list(input_shape)


# ---------------------------------------------------------------------------
# data


def read_csv(path, label_column):
    """Features and the label column's texts; `label_column` may be a list of regression
    target columns, whose texts come back as one list per row."""
    columns = label_column if isinstance(label_column, list) else [label_column]
    try:
        f = open(path, newline="")
    except OSError as e:
        raise DataError(f"{path}: {e.strerror}") from None
    with f:
        rows = csv.reader(f)
        try:
            header = next(rows)
        except StopIteration:
            raise DataError(f"{path}: empty file") from None
        header = [h.strip() for h in header]
        for name in columns:
            if name not in header:
                raise DataError(f"{path}:1: no column {json.dumps(name)} (columns: {header})")
        label_indices = [header.index(name) for name in columns]
        features, labels = [], []
        for line_no, row in enumerate(rows, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise DataError(f"{path}:{line_no}: {len(row)} fields, header has {len(header)}")
            values = []
            for col, cell in enumerate(row):
                if col in label_indices:
                    continue
                try:
                    values.append(float(cell))
                except ValueError:
                    raise DataError(f"{path}:{line_no}:{col + 1}: not a number: {cell!r}") from None
            features.append(values)
            texts = [row[j].strip() for j in label_indices]
            labels.append(texts if isinstance(label_column, list) else texts[0])
    return torch.tensor(features, dtype=DTYPE), labels


def read_idx(path):
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DataError(f"{path}: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: byte 0: not an IDX file (bad magic)")
    if raw[2] != 0x08:
        raise DataError(f"{path}: byte 2: element type 0x{raw[2]:02x}, only unsigned bytes (0x08) are supported")
    ndim = raw[3]
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    count = math.prod(dims)
    body = raw[4 + 4 * ndim:]
    if len(body) != count:
        raise DataError(f"{path}: {len(body)} data bytes, dimensions {list(dims)} need {count}")
    return torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(dims)


def class_ids(labels, classes, where):
    names = [c if isinstance(c, str) else json.dumps(c) for c in classes]
    identity = names == [str(i) for i in range(len(names))]
    by_name = {n: i for i, n in enumerate(names)}
    by_value = {}
    for i, n in enumerate(names):
        try:
            by_value.setdefault(float(n), i)
        except ValueError:
            pass
    ids = []
    for k, text in enumerate(labels):
        text = str(text).strip()
        value = None
        try:
            value = float(text)
        except ValueError:
            pass
        if identity and value is not None and value.is_integer() and 0 <= value < len(names):
            ids.append(int(value))
        elif text in by_name:
            ids.append(by_name[text])
        elif value is not None and value in by_value:
            ids.append(by_value[value])
        else:
            raise DataError(f"{where}: sample {k}: label {text!r} is not one of the classes {names}")
    return torch.tensor(ids, dtype=torch.long)


def normalize(x, norm, where):
    kind = (norm or {}).get("kind", "none")
    if kind == "none":
        return x
    if kind == "scale":
        return x / 255.0
    if kind == "standardize":
        mean = torch.tensor(norm["mean"], dtype=x.dtype)
        std = torch.tensor(norm["std"], dtype=x.dtype)
        flat = x.reshape(x.shape[0], -1)
        if mean.numel() != flat.shape[1] or std.numel() != flat.shape[1]:
            raise DataError(f"{where}: normalization has {mean.numel()} means / {std.numel()} stds "
                            f"for {flat.shape[1]} features")
        return ((flat - mean) / std).reshape(x.shape)
    raise DataError(f"normalization.kind: unknown {kind!r}")


def evaluate(model, input_shape, x, y):
    n = x.shape[0]
    if n == 0:
        raise DataError("no samples")
    per_sample = math.prod(x.shape[1:])
    if per_sample != math.prod(input_shape):
        raise DataError(f"{per_sample} features per sample, model.input_shape {input_shape} needs "
                        f"{math.prod(input_shape)}")
    dtype = next((t.dtype for t in model.state_dict().values() if t.is_floating_point()), DTYPE)
    x = x.reshape([n] + input_shape).to(dtype)
    model.eval()
    with torch.no_grad():
        logits = model(x)
        if logits.dim() != 2:
            raise DataError(f"the model's output per sample is {list(logits.shape[1:])}, not a vector of logits")
        if int(y.max()) >= logits.shape[1]:
            raise DataError(f"label id {int(y.max())} but the model has {logits.shape[1]} outputs")
        loss = F.cross_entropy(logits.to(torch.float64), y).item()
        accuracy = (logits.argmax(dim=1) == y).to(torch.float64).mean().item()
    return loss, accuracy, n


def evaluate_regression(model, input_shape, x, labels, loss_config, target_norm, where):
    """The loss on the targets as training scaled them (normalize_target) and MAE, RMSE and
    R² (per column, averaged) in the targets' units, as `dnn eval` reports them."""
    rows = [label if isinstance(label, list) else [label] for label in labels]
    try:
        y = torch.tensor([[float(v) for v in row] for row in rows], dtype=torch.float64)
    except ValueError as e:
        raise DataError(f"{where}: a target is not a number ({e})") from None
    mean, std = torch.zeros(y.shape[1], dtype=torch.float64), torch.ones(y.shape[1], dtype=torch.float64)
    if (target_norm or {}).get("kind") == "standardize":
        mean = torch.tensor(target_norm["mean"], dtype=torch.float64)
        std = torch.tensor(target_norm["std"], dtype=torch.float64)
    dtype = next((t.dtype for t in model.state_dict().values() if t.is_floating_point()), DTYPE)
    model.eval()
    with torch.no_grad():
        z = model(x.reshape([x.shape[0]] + input_shape).to(dtype)).to(torch.float64)
    kind = loss_config.get("type")
    criterion = {"mse": torch.nn.MSELoss(), "l1": torch.nn.L1Loss(),
                 "huber": torch.nn.HuberLoss(delta=loss_config.get("delta", 1.0))}[kind]
    loss = criterion(z, (y - mean) / std).item()
    d = z * std + mean - y
    r2 = (1 - (d ** 2).sum(0) / ((y - y.mean(0)) ** 2).sum(0)).mean().item()
    return {"loss": loss, "mae": d.abs().mean().item(), "rmse": (d ** 2).mean().sqrt().item(), "r2": r2,
            "samples": y.shape[0]}


# ---------------------------------------------------------------------------


def main(argv=None):
    ap = argparse.ArgumentParser(description="Load a dnn checkpoint into PyTorch (strict) and evaluate it.")
    ap.add_argument("checkpoint")
    ap.add_argument("--data", help="CSV file (header row; label column from the config's data.train.label)")
    ap.add_argument("--images", help="IDX images file (raw or .gz)")
    ap.add_argument("--labels", help="IDX labels file (raw or .gz)")
    ap.add_argument("--json", action="store_true", help="print exactly one JSON object")
    args = ap.parse_args(argv)
    if args.data and (args.images or args.labels):
        ap.error("give either --data CSV or --images IDX --labels IDX")
    if bool(args.images) != bool(args.labels):
        ap.error("--images and --labels go together")

    def fail(message, code, strict_load):
        if args.json:
            print(json.dumps({"strict_load": strict_load, "error": message}))
        else:
            print(f"error: {message}", file=sys.stderr)
        return code

    try:
        state, info, meta = load_checkpoint(args.checkpoint)
        model, input_shape = build_and_load(state, info["config"])
    except LoadError as e:
        return fail(str(e), 1, False)

    result = {"strict_load": True}
    n_params = sum(t.numel() for t in state.values() if t.is_floating_point())
    if not args.json:
        dtypes = sorted({str(t.dtype).replace("torch.", "") for t in state.values()})
        print(f"strict load OK: {len(state)} tensors ({n_params} values; {', '.join(dtypes)}), "
              f"epoch {info.get('epoch')}, input_shape {input_shape}")

    if args.data or args.images:
        try:
            classes = info.get("classes")
            if args.data:
                train = (info["config"].get("data") or {}).get("train")
                label_column = train.get("label") if isinstance(train, dict) else None
                if not label_column:
                    raise DataError("config data.train.label is missing: cannot tell the label column of the CSV")
                x, labels = read_csv(args.data, label_column)
                where = args.data
                loss_config = info["config"].get("loss") or {}
                if loss_config.get("type", "cross_entropy") != "cross_entropy":
                    x = normalize(x, info.get("normalization"), where)
                    result.update(evaluate_regression(model, input_shape, x, labels, loss_config,
                                                      info.get("target_normalization"), where))
                    if not args.json:
                        print("samples {samples}  loss {loss:.6f}  mae {mae:.6g}  rmse {rmse:.6g}  r2 {r2:.4f}"
                              .format(**result))
                    else:
                        print(json.dumps(result))
                    return 0
            else:
                images = read_idx(args.images)
                raw_labels = read_idx(args.labels)
                if images.dim() != 3:
                    raise DataError(f"{args.images}: expected 3 dimensions [N, H, W], got {list(images.shape)}")
                if raw_labels.dim() != 1 or raw_labels.shape[0] != images.shape[0]:
                    raise DataError(f"{args.labels}: {list(raw_labels.shape)} labels for {images.shape[0]} images")
                x = images.to(DTYPE).unsqueeze(1)
                labels = [str(int(v)) for v in raw_labels.tolist()]
                where = args.labels
            if classes is None:
                classes = [str(i) for i in range(model_output_shape(info["config"]["model"]["layers"],
                                                                    input_shape)[-1])]
            y = class_ids(labels, classes, where)
            x = normalize(x, info.get("normalization"), where)
            loss, accuracy, n = evaluate(model, input_shape, x, y)
        except DataError as e:
            return fail(str(e), 2, True)
        result.update({"loss": loss, "accuracy": accuracy, "samples": n})
        if not args.json:
            print(f"samples {n}  loss {loss:.6f}  accuracy {accuracy:.4f}")
    else:
        result.update({"tensors": len(state), "epoch": info.get("epoch")})
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

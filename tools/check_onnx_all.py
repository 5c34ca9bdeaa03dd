#!/usr/bin/env python3
"""`make onnx-check`: trains a short run of every example config that can run here, exports
each checkpoint with `dnn export` and checks it with tools/check_onnx.py (onnx.checker with
full_check, onnxruntime's probabilities against `dnn predict --probabilities` within 1e-5,
at batch 1 and over the whole data file).

The cases: the iris configs on data/iris.csv; configs/regression.json on
data/regression.csv (output `prediction` in the targets' units); configs/penguins.json on
data/penguins.csv (raw rows encoded by the snippet of docs/data-csv.md, with the model's
`dnn_encoding`); configs/every_layer.json and
Tests/onnx/every_form.json (every layer type, every padding form, the 4-d norms, residual
blocks with and without a shortcut) at the default opset 17 and at 21 (ReduceMean's axes as
an input, the Gelu operator); Tests/onnx/sequences.json (every 1-d layer, transpose, global
max pooling on data/gunpoint_train.csv), Tests/onnx/global_pool_image.json (global pooling
and transpose on [C, H, W]) and configs/ts_fcn.json; configs/ts_gru.json and Tests/onnx/recurrent_forms.json
(lstm and gru: stacked, bidirectional, both `return` forms) on data/italypower_test.csv;
configs/gpt_tiny.json (embedding, positional embedding, causal attention) for one epoch on
a tenth of its text, whose ONNX logits must give the validation loss `dnn eval --json`
reports within 1e-5 (relative); the MNIST configs for one epoch on a tenth of
../shared/data/mnist/t10k, skipped with a message when that folder is absent.

Prints a table (or with --json one JSON object {"cases": [...], "skipped": [...]}) and exits
1 when any case fails. Run it with the venv's python: .build/venv-onnx/bin/python.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
IRIS = os.path.join(ROOT, "data", "iris.csv")
REGRESSION = os.path.join(ROOT, "data", "regression.csv")
PENGUINS = os.path.join(ROOT, "data", "penguins.csv")
GUNPOINT = os.path.join(ROOT, "data", "gunpoint_train.csv")
ITALYPOWER = os.path.join(ROOT, "data", "italypower_test.csv")
MNIST = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "mnist"))
MNIST_IMAGES = os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")
MNIST_LABELS = os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")
TEXT = os.path.join(ROOT, "data", "swift_sources.txt")


def cases():
    """(name, config, data, train options, opsets) for every check; None is dnn's default opset."""
    iris = [(name, f"configs/{name}.json", IRIS, [], [None]) for name in ("iris", "iris_bn", "two_layer")]
    regression = [("regression", "configs/regression.json", REGRESSION, ["--epochs", "10"], [None, 21])]
    # Raw rows with text columns and NA cells, encoded by the snippet of docs/data-csv.md.
    penguins = [("penguins", "configs/penguins.json", PENGUINS, ["--epochs", "3"], [None])]
    every = [(name, config, IRIS, ["--epochs", "10"], [None, 21])
             for name, config in (("every_layer", "configs/every_layer.json"),
                                  ("every_form", "Tests/onnx/every_form.json"))]
    # One epoch on 1,000 of the 10,000 test images (validation split 0.9) keeps each run short;
    # the check then covers all 10,000.
    mnist_options = ["--epochs", "1", "--set", "data.validation.split=0.9",
                     "--set", f"data.train.images={MNIST_IMAGES}", "--set", f"data.train.labels={MNIST_LABELS}"]
    mnist = [(name, f"configs/{name}.json", MNIST_IMAGES, mnist_options, [None])
             for name in ("mnist_mlp", "mnist_cnn", "mnist_resnet")]
    # Sequences: every 1-d layer on GunPoint [1, 150]; global pooling on [C, H, W]; the FCN.
    sequences = [("sequences", "Tests/onnx/sequences.json", GUNPOINT, [], [None, 21]),
                 ("global_pool_image", "Tests/onnx/global_pool_image.json", IRIS, [], [None]),
                 ("ts_fcn", "configs/ts_fcn.json", GUNPOINT, ["--epochs", "2"], [None])]
    # lstm / gru (issue #21): every return form, stacked and bidirectional, on time series.
    sequences += [(name, config, ITALYPOWER, ["--epochs", "3"], [None, 21])
                 for name, config in (("ts_gru", "configs/ts_gru.json"),
                                      ("recurrent_forms", "Tests/onnx/recurrent_forms.json"))]
    # Token layers: the GPT, then non-causal attention with dropout, rmsnorm and silu per position.
    text = [(name, config, TEXT, ["--epochs", "1", "--set", "data.validation.split=0.9"], [None, 21])
            for name, config in (("gpt_tiny", "configs/gpt_tiny.json"), ("attention_forms", "Tests/onnx/attention_forms.json"))]
    return iris + regression + penguins + every + sequences + text + mnist


def train_case(case, dnn, folder, threads):
    """Trains one case into FOLDER/NAME: (the run directory, None), or (None, a failed result)."""
    name, config, _, options, _ = case
    run = os.path.join(folder, name)
    train = subprocess.run([dnn, "train", os.path.join(ROOT, config), "--out", run, "--quiet", "--threads", threads]
                           + options, capture_output=True, text=True)
    if train.returncode != 0:
        return None, [{"name": name, "ok": False, "error": f"dnn train failed: {train.stderr.strip()}"}]
    return run, None


def check_text(case, dnn, folder, threads):
    """A byte-level language model: onnx.checker, then the mean cross-entropy of the ONNX
    logits over every position of the validation windows against `dnn eval --json`."""
    import numpy as np
    import onnx
    import onnxruntime
    name, _, _, _, opsets = case
    start = time.monotonic()
    run, failure = train_case(case, dnn, folder, threads)
    if failure:
        return failure
    checkpoint = os.path.join(run, "best.safetensors")
    evaluated = json.loads(subprocess.run([dnn, "eval", checkpoint, "--json"], capture_output=True, text=True).stdout)
    resolved = json.load(open(os.path.join(run, "config.json")))
    source = resolved["data"]["train"]
    context, stride = source["context"], source["stride"]
    data = np.frombuffer(open(source["path"], "rb").read(), dtype=np.uint8)
    held = round(resolved["data"]["validation"]["split"] * len(data))
    part = data[len(data) - held:]
    starts = np.arange((len(part) - context - 1) // stride + 1) * stride
    windows = part[starts[:, None] + np.arange(context + 1)[None, :]]
    x, y = windows[:, :-1].astype(np.float32), windows[:, 1:]
    results = []
    for opset in opsets:
        model_path = os.path.join(run, f"model-{opset}.onnx")
        subprocess.run([dnn, "export", checkpoint, "-o", model_path] + ([] if opset is None else ["--opset", str(opset)]),
                       check=True, capture_output=True)
        onnx.checker.check_model(onnx.load(model_path), full_check=True)
        session = onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])
        logits = np.concatenate([session.run(["logits"], {"input": x[i:i + 64]})[0] for i in range(0, len(x), 64)])
        single = session.run(["logits"], {"input": x[:1]})[0]
        shifted = logits.astype(np.float64) - logits.max(-1, keepdims=True)
        log_probabilities = shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))
        loss = -np.take_along_axis(log_probabilities, y[..., None].astype(np.int64), -1).mean()
        difference = abs(loss - evaluated["loss"]) / evaluated["loss"]
        results.append({"name": name, "opset": opset or 17, "samples": len(x), "max_diff_batch1":
                        float(np.abs(single - logits[:1]).max()), "max_diff_full": float(difference),
                        "ok": bool(difference < 1e-5), "seconds": round(time.monotonic() - start, 2)})
        start = time.monotonic()
    return results


def check(case, dnn, folder, threads):
    """Trains one case, then exports and checks it at each of its opsets; returns
    check_onnx.py's JSON results with the case's name, "ok" and timings."""
    name, _, data, _, opsets = case
    start = time.monotonic()
    run, failure = train_case(case, dnn, folder, threads)
    if failure:
        return failure
    results = []
    for opset in opsets:
        command = [sys.executable, os.path.join(ROOT, "tools", "check_onnx.py"), os.path.join(run, "best.safetensors"),
                   data, "--dnn", dnn, "--json"] + ([] if opset is None else ["--opset", str(opset)])
        checked = subprocess.run(command, capture_output=True, text=True)
        try:
            result = json.loads(checked.stdout)
        except json.JSONDecodeError:
            result = {"error": (checked.stdout + checked.stderr).strip()}
        result.update(name=name, ok=checked.returncode == 0, seconds=round(time.monotonic() - start, 2))
        results.append(result)
        start = time.monotonic()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    parser.add_argument("--threads", default="2", help="dnn train --threads (2)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    results, skipped = [], []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dnn-onnx-check-") as folder:
        for case in cases():
            if case[2] == MNIST_IMAGES and not os.path.exists(MNIST_IMAGES):
                skipped.append(f"{case[0]}: {MNIST} is absent")
                continue
            checker = check_text if case[2] == TEXT else check
            for result in checker(case, args.dnn, folder, args.threads):
                results.append(result)
                if not args.json:
                    report(result)
    total = round(time.monotonic() - start, 1)
    if args.json:
        print(json.dumps({"cases": results, "skipped": skipped, "seconds": total}))
    else:
        for note in skipped:
            print(f"skipped {note}")
        print(f"{sum(r['ok'] for r in results)}/{len(results)} ok in {total} s")
    return 0 if all(r["ok"] for r in results) else 1


def report(result):
    """One table row, flushed as it comes."""
    if "error" in result:
        print(f"{result['name']:<22} FAILED: {result['error']}", flush=True)
        return
    print(f"{result['name']:<22} opset {result['opset']}  {result['samples']:>6} samples  "
          f"max|diff| batch 1 {result['max_diff_batch1']:.2e}  all {result['max_diff_full']:.2e}  "
          f"{result['seconds']:>5.1f} s  {'ok' if result['ok'] else 'FAILED'}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Trains an example dnn config's network in PyTorch eager on the same MNIST split, for
the accuracy, time and memory figures that dnn is compared with.

    python3 tools/train_torch.py configs/mnist_cnn.json [--threads 2] [--json]

Reads the config's IDX files (first 8,000 images train, last 2,000 validate, as
`"validation": {"split": 0.2}` does in dnn), scales pixels to [0, 1], builds the model
with tools/dnn_torch.py, trains with the config's optimizer, batch size and epochs
(shuffled each epoch), and reports the best validation accuracy, the training time and
the process's peak resident memory. Not needed by CI.
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    import torch
    from dnn_torch import build_torch_model
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    config = json.load(open(args.config))
    folder = os.path.dirname(os.path.abspath(args.config))
    train = config["data"]["train"]
    images = read_idx(os.path.join(folder, train["images"])).astype(np.float32) / 255
    labels = read_idx(os.path.join(folder, train["labels"])).astype(np.int64)
    split = config["data"]["validation"]["split"]
    n_val = round(split * len(images))
    x = torch.from_numpy(images[:, None, :, :].copy())
    y = torch.from_numpy(labels.copy())
    x_train, y_train, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    model = build_torch_model(config["model"]["layers"], [1, 28, 28]).float()
    solver = config["solver"]
    opt = solver["optimizer"]
    if opt["type"] == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=opt.get("lr", 1e-3))
    elif opt["type"] == "adamw":
        optimizer = torch.optim.AdamW(model.parameters(), lr=opt.get("lr", 1e-3))
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=opt.get("lr", 1e-3), momentum=opt.get("momentum", 0))
    loss_fn = torch.nn.CrossEntropyLoss()
    batch = solver.get("batch_size", 32)
    best, start = 0.0, time.time()
    for epoch in range(solver["epochs"]):
        model.train()
        order = torch.randperm(len(x_train))
        for i in range(0, len(order), batch):
            index = order[i:i + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_val).argmax(1) == y_val).float().mean().item()
        best = max(best, accuracy)
        if not args.json:
            print(f"epoch {epoch + 1}: val_accuracy {accuracy:.4f}", flush=True)
    seconds = time.time() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"config": args.config, "best_val_accuracy": best, "seconds": seconds, "peak_rss_mib": peak_mib,
              "torch": torch.__version__, "threads": args.threads}
    print(json.dumps(result) if args.json else
          f"best val_accuracy {best:.4f}, {seconds:.1f}s training, peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()

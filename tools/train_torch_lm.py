#!/usr/bin/env python3
"""Trains a text config's network (configs/gpt_tiny.json) in PyTorch eager on the same
byte windows, for the speed and memory figures dnn's language model is compared with.

    python3 tools/train_torch_lm.py configs/gpt_tiny.json [--threads 2] [--epochs N] [--json]

Reads the config's text as dnn does (windows of context + 1 bytes at multiples of stride;
the last `split` fraction of the bytes validates), builds the model with
tools/dnn_torch.py in float32, trains with AdamW/Adam at the config's learning rate and
batch size (shuffled each epoch), and reports training tokens per second (positions of
the training steps only, as dnn's samples_per_second times T), the last validation bits
per byte, and the process's peak resident memory. Not needed by CI.
"""
import argparse
import json
import math
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def windows(data, context, stride):
    import torch
    rows = (len(data) - context - 1) // stride + 1
    starts = torch.arange(rows) * stride
    index = starts[:, None] + torch.arange(context + 1)[None, :]
    w = data[index]
    return w[:, :-1].float(), w[:, 1:].long()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch
    import torch.nn.functional as F
    from dnn_torch import build_torch_model
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = json.load(open(args.config))
    source = config["data"]["train"]
    context, stride = source["context"], source.get("stride", source["context"])
    path = os.path.join(os.path.dirname(os.path.abspath(args.config)), source["path"])
    data = torch.tensor(list(open(path, "rb").read()), dtype=torch.uint8)
    held = round(config["data"].get("validation", {}).get("split", 0) * len(data))
    xt, yt = windows(data[: len(data) - held], context, stride)
    xv, yv = windows(data[len(data) - held:], context, stride) if held else (None, None)
    model = build_torch_model(config["model"]["layers"], [context]).float()
    solver = config["solver"]
    opt_config = solver["optimizer"]
    kind = torch.optim.AdamW if opt_config["type"] == "adamw" else torch.optim.Adam
    opt = kind(model.parameters(), lr=opt_config.get("lr", 1e-3),
               weight_decay=opt_config.get("weight_decay", 0.01 if opt_config["type"] == "adamw" else 0))
    batch, epochs = solver["batch_size"], args.epochs or solver["epochs"]
    train_seconds, tokens, val_bits = 0.0, 0, None
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt))
        start = time.perf_counter()
        for i in range(0, len(xt), batch):
            rows = order[i: i + batch]
            opt.zero_grad()
            logits = model(xt[rows])
            loss = F.cross_entropy(logits.reshape(-1, 256), yt[rows].reshape(-1))
            loss.backward()
            opt.step()
            tokens += rows.numel() * context
        train_seconds += time.perf_counter() - start
        if xv is not None:
            model.eval()
            with torch.no_grad():
                total = sum(F.cross_entropy(model(xv[i: i + 256]).reshape(-1, 256), yv[i: i + 256].reshape(-1),
                                            reduction="sum").item() for i in range(0, len(xv), 256))
            val_bits = total / yv.numel() / math.log(2)
    result = {"tokens_per_second": tokens / train_seconds, "train_seconds": train_seconds, "epochs": epochs,
              "val_bits_per_byte": val_bits,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "threads": args.threads,
              "torch": torch.__version__}
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()

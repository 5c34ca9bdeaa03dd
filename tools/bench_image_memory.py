#!/usr/bin/env python3
"""Peak memory of `dnn train` on an image folder, against the images' decoded bytes.

    python3 tools/bench_image_memory.py [--out DIR] [--count N] [--size S] [--rounds R] [--dnn PATH]

Writes (once) DIR/images: N S x S colour JPEGs (quality 90; crops of scikit-learn's sample
photos, resized with Pillow) in 4 classes, and a config that trains a small CNN on them for
one epoch with a 0.2 validation split and `normalize: "scale"`. Then runs
`/usr/bin/time -v dnn train` R times and prints each peak RSS beside the decoded bytes
(N * 3 * S * S) and the goal: decoded bytes + 64 MiB. Also the peak RSS of the same
command on a folder of only 8 images of that size: what the process needs besides the
images (binary, runtime, network, batches).
"""
import argparse
import os
import re
import shutil
import subprocess

from PIL import Image
from sklearn.datasets import load_sample_image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def write_folder(folder, count, size):
    if os.path.isdir(folder) and sum(len(files) for _, _, files in os.walk(folder)) == count:
        return
    photos = [load_sample_image("china.jpg"), load_sample_image("flower.jpg")]
    for index in range(count):
        photo = photos[index % 2]
        top, left = (index * 5) % 300, (index * 11) % 500
        crop = Image.fromarray(photo[top:top + 120, left:left + 120]).resize((size, size), Image.BILINEAR)
        target = os.path.join(folder, f"c{index % 4}")
        os.makedirs(target, exist_ok=True)
        crop.save(os.path.join(target, f"{index:05d}.jpg"), quality=90)


def write_config(path, folder):
    with open(path, "w") as file:
        file.write(f'{{"seed": 1, "data": {{"train": {{"format": "images", "path": "{folder}"}}, "validation": {{"split": 0.2}}, '
                   '"normalize": "scale"}, "model": {"layers": [{"type": "conv2d", "out": 8, "kernel": 3, "stride": 2}, '
                   '{"type": "relu"}, {"type": "flatten"}, {"type": "linear", "out": 4}]}, '
                   '"solver": {"epochs": 1, "batch_size": 64, "print_every": 0, "optimizer": {"type": "sgd", "lr": 0.01}}}')


def peak_rss(dnn, config, out):
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(["/usr/bin/time", "-v", dnn, "train", config, "--out", out, "--quiet"],
                            capture_output=True, text=True, check=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr).group(1)) * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-image-memory"))
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    args = parser.parse_args()
    mib = 1 << 20
    decoded = args.count * 3 * args.size * args.size
    for name, count in (("small", 8), ("images", args.count)):
        folder = os.path.join(args.out, f"{name}_{count}_{args.size}")
        write_folder(folder, count, args.size)
        config = folder + ".json"
        write_config(config, folder)
        for round_ in range(args.rounds):
            rss = peak_rss(args.dnn, config, os.path.join(args.out, f"run_{name}_{round_}"))
            print(f"{count} images of 3x{args.size}x{args.size}: peak RSS {rss / mib:.1f} MiB"
                  + (f", decoded bytes {decoded / mib:.1f} MiB, goal <= {decoded / mib + 64:.1f} MiB, "
                     f"over the decoded bytes {(rss - decoded) / mib:.1f} MiB" if count == args.count else ""), flush=True)


if __name__ == "__main__":
    main()

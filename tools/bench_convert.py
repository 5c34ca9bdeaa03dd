#!/usr/bin/env python3
"""Times `dnn convert` of an image folder (every core) beside Pillow converting the same
folder to an `.npz` on one core.

    python3 tools/bench_convert.py [--out DIR] [--rounds R] [--dnn PATH]

Writes (once) two class folders under DIR: grey28_png, 4,096 28x28 greyscale PNGs in 10
classes (MNIST test digits when ../shared/data/mnist has them, else crops of a sample
photo), and colour224_jpg, 512 224x224 colour JPEGs (quality 90) in 4 classes (crops of
scikit-learn's sample photos). For each folder, R rounds, side by side:
- Pillow, one core: list the class folders and files in sorted order, `Image.open`,
  `convert("L")` or `convert("RGB")`, `np.asarray`, stack as (N, C, H, W) uint8, then
  `np.savez` (stored, as `dnn convert` writes) of x, y (int64) and classes;
- `dnn convert CONFIG -o FILE.npz`: the whole command, process start to exit, decoding on
  every core.
Prints each round's images per second, the best round of each (wall-clock seconds), and
the CPU seconds (user + system) of that round: on a machine shared with other work the
wall clock waits for a core, the CPU seconds do not.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_images import colour_images, grey_images  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def write_classes(folder, images, classes, extension):
    """images[i] goes to class i % classes, as NNNN.extension."""
    if os.path.isdir(folder) and sum(len(files) for _, _, files in os.walk(folder)) == len(images):
        return
    for index, pixels in enumerate(images):
        target = os.path.join(folder, f"c{index % classes}")
        os.makedirs(target, exist_ok=True)
        path = os.path.join(target, f"{index:05d}.{extension}")
        if extension == "jpg":
            Image.fromarray(pixels).save(path, quality=90)
        else:
            Image.fromarray(pixels).save(path)


def pillow_convert(folder, mode, output):
    """The folder as dnn convert writes it, on one core with Pillow and NumPy."""
    classes = sorted(name for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name)))
    pixels, labels = [], []
    for index, name in enumerate(classes):
        for file in sorted(os.listdir(os.path.join(folder, name))):
            with Image.open(os.path.join(folder, name, file)) as image:
                array = np.asarray(image.convert(mode))
            pixels.append(array[None] if array.ndim == 2 else array.transpose(2, 0, 1))
            labels.append(index)
    np.savez(output, x=np.stack(pixels), y=np.array(labels, dtype=np.int64), classes=np.array(classes))
    return len(labels)


def dnn_config(folder, channels, classes, path):
    with open(path, "w") as file:
        file.write(f'{{"data": {{"train": {{"format": "images", "path": "{folder}", "channels": {channels}}}}}, '
                   f'"model": {{"layers": [{{"type": "flatten"}}, {{"type": "linear", "out": {classes}}}]}}, '
                   '"solver": {"epochs": 1, "optimizer": {"type": "sgd"}}}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-convert"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    args = parser.parse_args()
    sets = {"grey28_png": (grey_images(4096), 10, "png", "L", 1), "colour224_jpg": (colour_images(512), 4, "jpg", "RGB", 3)}
    print(f"cores: {os.cpu_count()}")
    for name, (images, classes, extension, mode, channels) in sets.items():
        folder = os.path.join(args.out, name)
        write_classes(folder, images, classes, extension)
        config = os.path.join(args.out, name + ".json")
        dnn_config(folder, channels, classes, config)
        best = {"pillow": (float("inf"), 0.0), "dnn": (float("inf"), 0.0)}
        for round_ in range(args.rounds):
            start, cpu = time.perf_counter(), time.process_time()
            count = pillow_convert(folder, mode, os.path.join(args.out, name + "_pillow.npz"))
            best["pillow"] = min(best["pillow"], (time.perf_counter() - start, time.process_time() - cpu))
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([args.dnn, "convert", config, "-o", os.path.join(args.out, name + "_dnn.npz")],
                           check=True, capture_output=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime
            best["dnn"] = min(best["dnn"], (time.perf_counter() - start, cpu))
            print(f"{name} round {round_ + 1}: best so far pillow {count / best['pillow'][0]:.0f} images/s, "
                  f"dnn {count / best['dnn'][0]:.0f} images/s", flush=True)
        (pillow_wall, pillow_cpu), (dnn_wall, dnn_cpu) = best["pillow"], best["dnn"]
        print(f"{name} ({count} files): Pillow one core {pillow_wall:.3f} s ({count / pillow_wall:.0f} images/s, "
              f"{pillow_cpu:.2f} s CPU), dnn convert all cores {dnn_wall:.3f} s ({count / dnn_wall:.0f} images/s, "
              f"{dnn_cpu:.2f} s CPU), dnn/Pillow {pillow_wall / dnn_wall:.2f}")
        pillow = np.load(os.path.join(args.out, name + "_pillow.npz"))
        ours = np.load(os.path.join(args.out, name + "_dnn.npz"))
        same = all(np.array_equal(pillow[key], ours[key]) for key in ("x", "y"))
        print(f"{name}: x and y equal Pillow's: {same}", flush=True)


if __name__ == "__main__":
    main()

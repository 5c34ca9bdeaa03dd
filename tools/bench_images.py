#!/usr/bin/env python3
"""Times PNG and JPEG decoding in Pillow beside `dnn bench --images`, on the same files.

    python3 tools/bench_images.py [--out DIR] [--seconds S] [--dnn PATH]

Writes (once) DIR/grey28_jpg and DIR/grey28_png: 256 28x28 greyscale images (MNIST test
digits when ../shared/data/mnist has them, else crops of scikit-learn's sample photos),
and DIR/colour224_jpg and DIR/colour224_png: 64 224x224 colour images (crops of
scikit-learn's china.jpg and flower.jpg); JPEG at quality 90 (Pillow's default 4:2:0),
PNG as Pillow saves it by default. Then for each folder: Pillow's images per second on one
thread, the files' bytes in memory, `Image.open(BytesIO)` and `load()` (and then
`convert("RGB")`), the best of rounds over all files for about S seconds; and, when the
`dnn` binary exists, `dnn bench --images FOLDER --json` on the same files (also decoded
from bytes in memory, on one thread). dnn/Pillow divides by Pillow's `load()` figure.
"""
import io
import argparse
import gzip
import json
import os
import subprocess
import time

import numpy as np
from PIL import Image
from sklearn.datasets import load_sample_image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MNIST = os.path.join(ROOT, "..", "shared", "data", "mnist", "t10k-images-idx3-ubyte.gz")


def grey_images(count):
    """28x28 uint8 arrays: MNIST digits, or crops of the sample photos without MNIST."""
    if os.path.exists(MNIST):
        with gzip.open(MNIST) as file:
            data = np.frombuffer(file.read(), dtype=np.uint8, offset=16)
        return list(data.reshape(-1, 28, 28)[:count])
    photo = np.asarray(Image.fromarray(load_sample_image("china.jpg")).convert("L"))
    return [photo[7 * i:7 * i + 28, 11 * i:11 * i + 28] for i in range(count)]


def colour_images(count):
    """224x224x3 crops of the two sample photos (427x640)."""
    photos = [load_sample_image("china.jpg"), load_sample_image("flower.jpg")]
    return [photos[i % 2][(i * 3) % 200:(i * 3) % 200 + 224, (i * 7) % 410:(i * 7) % 410 + 224] for i in range(count)]


def write_folder(folder, images, extension, quality):
    if os.path.isdir(folder) and len(os.listdir(folder)) == len(images):
        return
    os.makedirs(folder, exist_ok=True)
    for index, pixels in enumerate(images):
        path = os.path.join(folder, f"{index:04d}.{extension}")
        if extension == "jpg":
            Image.fromarray(pixels).save(path, quality=quality)
        else:
            Image.fromarray(pixels).save(path)


def pillow_rate(paths, seconds, convert):
    """Images per second: the fastest round over all `paths`, decoded from memory."""
    blobs = []
    for path in paths:
        with open(path, "rb") as file:
            blobs.append(file.read())

    def one_round():
        start = time.perf_counter()
        for blob in blobs:
            with Image.open(io.BytesIO(blob)) as image:
                image.load()
                if convert:
                    image.convert(convert)
        return time.perf_counter() - start
    one_round()
    best, deadline, rounds = float("inf"), time.perf_counter() + seconds, 0
    while rounds < 3 or time.perf_counter() < deadline:
        best = min(best, one_round())
        rounds += 1
    return len(paths) / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-images"))
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--dnn", default=os.path.join(ROOT, ".build", "release", "dnn"))
    args = parser.parse_args()
    grey, colour = grey_images(256), colour_images(64)
    folders = {f"{name}_{extension}": (images, extension)
               for extension in ("png", "jpg") for name, images in (("grey28", grey), ("colour224", colour))}
    print(f"{'files':<28}{'Pillow':>16}{'Pillow convert(RGB)':>22}{'dnn':>14}{'dnn/Pillow':>12}  (images/s, 1 thread)")
    for name, (images, extension) in folders.items():
        folder = os.path.join(args.out, name)
        write_folder(folder, images, extension, 90)
        paths = sorted(os.path.join(folder, f) for f in os.listdir(folder))
        plain = pillow_rate(paths, args.seconds, None)
        rgb = pillow_rate(paths, args.seconds, "RGB")
        ours = float("nan")
        if os.path.exists(args.dnn):
            output = subprocess.run([args.dnn, "bench", "--images", folder, "--seconds", str(args.seconds), "--json"],
                                    check=True, capture_output=True, text=True).stdout
            ours = json.loads(output)["images_per_second"]
        label = f"{name} ({len(paths)} files)"
        print(f"{label:<28}{plain:>16.0f}{rgb:>22.0f}{ours:>14.0f}{ours / plain:>12.2f}", flush=True)


if __name__ == "__main__":
    main()

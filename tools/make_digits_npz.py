#!/usr/bin/env python3
"""Writes the digits image folder (data/digits, by tools/make_digits_images.py) as an NPZ.

Tests/DNNTests/Fixtures/arrays/digits.npz: x, uint8 of shape (1797, 8, 8), the pixels as
Pillow decodes the PNG files, and y, the class names as unicode strings ('<U1'), one row
per image in the folder's sample order (sorted class folders, then sorted file names),
written with np.savez_compressed. CLIRoundTripTests trains on it, on the folder and on
data/digits_pixels.csv, and expects the same metrics.jsonl from all three.

Usage: python3 tools/make_digits_npz.py
"""
import os

import numpy as np
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..")


def main():
    folder = os.path.join(ROOT, "data", "digits")
    images, labels = [], []
    for label in sorted(os.listdir(folder)):
        for name in sorted(os.listdir(os.path.join(folder, label))):
            with Image.open(os.path.join(folder, label, name)) as image:
                images.append(np.asarray(image.convert("L"), dtype=np.uint8))
            labels.append(label)
    target = os.path.join(ROOT, "Tests", "DNNTests", "Fixtures", "arrays", "digits.npz")
    np.savez_compressed(target, x=np.stack(images), y=np.array(labels))


if __name__ == "__main__":
    main()

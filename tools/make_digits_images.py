#!/usr/bin/env python3
"""Writes scikit-learn's digits (1,797 8x8 greyscale images, BSD-3-Clause) as an image folder.

data/digits/<class>/NNNN.png: one subfolder per class, NNNN the sample's index in
sklearn.datasets.load_digits(). Pixels 0..16 are scaled to 0..255 (round(v * 255 / 16)).
Also writes data/digits_pixels.csv: the same pixels, one row per image in the folder's
sample order (classes sorted, then file names), columns pixel0..pixel63 and label, so
that training on either gives the same metrics (CLIImageTests checks it).

Usage: python3 tools/make_digits_images.py
"""
import os

import numpy as np
from PIL import Image
from sklearn.datasets import load_digits

ROOT = os.path.join(os.path.dirname(__file__), "..", "data")


def main():
    digits = load_digits()
    pixels = np.rint(digits.images * 255.0 / 16.0).astype(np.uint8)
    rows = []
    for index, (image, label) in enumerate(zip(pixels, digits.target)):
        folder = os.path.join(ROOT, "digits", str(label))
        os.makedirs(folder, exist_ok=True)
        name = f"{index:04d}.png"
        Image.fromarray(image, "L").save(os.path.join(folder, name), optimize=True)
        rows.append((str(label), name, image))
    rows.sort(key=lambda row: (row[0], row[1]))
    with open(os.path.join(ROOT, "digits_pixels.csv"), "w") as f:
        f.write(",".join(f"pixel{i}" for i in range(64)) + ",label\n")
        for label, _, image in rows:
            f.write(",".join(str(v) for v in image.reshape(-1)) + f",{label}\n")


if __name__ == "__main__":
    main()

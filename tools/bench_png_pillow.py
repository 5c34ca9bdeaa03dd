#!/usr/bin/env python3
"""Pillow's PNG decode speed on one core, for comparison with `dnn bench --images DIR`.

Reads every .png under DIR into memory once, then decodes them (Image.open + load)
round after round for at least SECONDS, and prints images per second.

Usage: python3 tools/bench_png_pillow.py DIR [SECONDS]
"""
import io
import os
import sys
import time

from PIL import Image


def main():
    folder = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    blobs = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if name.lower().endswith(".png"):
                with open(os.path.join(root, name), "rb") as f:
                    blobs.append(f.read())
    decoded, start = 0, time.perf_counter()
    while True:
        for blob in blobs:
            Image.open(io.BytesIO(blob)).load()
            decoded += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            break
    print(f"pillow  {len(blobs)} files, one core  {decoded / elapsed:12.1f} images/s")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the JPEG decoder's fixtures: small JPEG files and the pixels Pillow decodes.

    python3 tools/make_jpeg_fixtures.py

Needs Pillow and scikit-learn (whose sample photos china.jpg and flower.jpg, CC BY 2.0,
give the image content), and `cjpeg` from libjpeg-turbo-progs (`apt-get install
libjpeg-turbo-progs`) for what Pillow cannot write: 4:4:0 and 4:1:1 sampling, RGB
(Adobe transform 0) files, and arithmetic coding.

For every `NAME.jpg` in Tests/DNNTests/Fixtures/jpeg it writes `NAME.raw`: the bytes of
`Image.open(NAME.jpg)` as Pillow decodes them ("L" for greyscale, else
`.convert("RGB")`), row-major, and `manifest.json` lists them with their size and
channels. `arithmetic.jpg` and `cmyk.jpg` have no `.raw`: the decoder must refuse them. JPEGDecoderTests
compares the decoder with these pixels.
"""
import io
import json
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image
from sklearn.datasets import load_sample_image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DNNTests", "Fixtures", "jpeg")


def crop(photo, left, top, width, height):
    """A region of one of scikit-learn's sample photos as an RGB image."""
    pixels = load_sample_image(photo)
    return Image.fromarray(pixels[top:top + height, left:left + width])


def pillow(image, **options):
    """The JPEG bytes Pillow (libjpeg-turbo) writes for `image` with `options`."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


def cjpeg(image, *arguments):
    """The JPEG bytes libjpeg-turbo's cjpeg writes for `image` with `arguments`."""
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "in.ppm")
        image.save(source)
        return subprocess.run(["cjpeg", *arguments, source], check=True, capture_output=True).stdout


def cases():
    """Name -> JPEG bytes of every fixture."""
    small = crop("china.jpg", 250, 150, 17, 13)
    medium = crop("china.jpg", 300, 200, 33, 29)
    large = crop("flower.jpg", 280, 160, 64, 48)
    tiny = crop("flower.jpg", 300, 200, 3, 5)
    return {
        "s444_17x13": pillow(small, quality=90, subsampling=0),
        "s422_17x13": pillow(small, quality=90, subsampling=1),
        "s420_17x13": pillow(small, quality=90, subsampling=2),
        "s444_33x29": pillow(medium, quality=85, subsampling=0),
        "s422_33x29": pillow(medium, quality=85, subsampling=1),
        "s420_33x29": pillow(medium, quality=85, subsampling=2),
        "s420_q100_33x29": pillow(medium, quality=100, subsampling=2),
        "s420_q10_33x29": pillow(medium, quality=10, subsampling=2),
        "s420_64x48": pillow(large, quality=75, subsampling=2),
        "s420_3x5": pillow(tiny, quality=90, subsampling=2),
        "s422_3x5": pillow(tiny, quality=90, subsampling=1),
        "grey_17x13": pillow(small.convert("L"), quality=90),
        "grey_33x29": pillow(medium.convert("L"), quality=80),
        "progressive_420_33x29": pillow(medium, quality=85, subsampling=2, progressive=True),
        "progressive_444_17x13": pillow(small, quality=90, subsampling=0, progressive=True),
        "progressive_grey_33x29": pillow(medium.convert("L"), quality=85, progressive=True),
        "progressive_420_64x48": pillow(large, quality=95, subsampling=2, progressive=True),
        "restart_blocks_420_64x48": pillow(large, quality=75, subsampling=2, restart_marker_blocks=3),
        "restart_rows_422_33x29": pillow(medium, quality=80, subsampling=1, restart_marker_rows=1),
        "restart_progressive_420_64x48": pillow(large, quality=80, subsampling=2, progressive=True,
                                                restart_marker_blocks=2),
        "optimized_420_64x48": pillow(large, quality=75, subsampling=2, optimize=True),
        "optimized_grey_64x48": pillow(large.convert("L"), quality=75, optimize=True),
        "cjpeg_440_33x29": cjpeg(medium, "-quality", "85", "-sample", "1x2"),
        "cjpeg_411_33x29": cjpeg(medium, "-quality", "85", "-sample", "4x1"),
        "cjpeg_440_progressive_17x13": cjpeg(small, "-quality", "90", "-sample", "1x2", "-progressive"),
        "cjpeg_h2v2_cb_h1v1_cr_h2v1_33x29": cjpeg(medium, "-quality", "85", "-sample", "2x2,1x1,2x1"),
        "cjpeg_rgb_17x13": cjpeg(small, "-quality", "90", "-rgb"),
        "cjpeg_restart_rows_440_33x29": cjpeg(medium, "-quality", "85", "-sample", "1x2", "-restart", "1"),
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = []
    for name, data in cases().items():
        with open(os.path.join(OUT, name + ".jpg"), "wb") as file:
            file.write(data)
        image = Image.open(io.BytesIO(data))
        image.load()
        decoded = image if image.mode == "L" else image.convert("RGB")
        pixels = np.asarray(decoded, dtype=np.uint8)
        with open(os.path.join(OUT, name + ".raw"), "wb") as file:
            file.write(pixels.tobytes())
        channels = 1 if decoded.mode == "L" else 3
        manifest.append({"name": name, "width": decoded.width, "height": decoded.height, "channels": channels})
    with open(os.path.join(OUT, "arithmetic.jpg"), "wb") as file:
        file.write(cjpeg(crop("china.jpg", 250, 150, 17, 13), "-arithmetic"))
    with open(os.path.join(OUT, "cmyk.jpg"), "wb") as file:
        file.write(pillow(crop("china.jpg", 250, 150, 17, 13).convert("CMYK"), quality=90))
    with open(os.path.join(OUT, "manifest.json"), "w") as file:
        json.dump({"script": "tools/make_jpeg_fixtures.py", "cases": manifest}, file, indent=1)
        file.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, name)) for name in os.listdir(OUT))
    print(f"{len(manifest)} cases, {total} bytes in {OUT}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the PNG fixtures of PNGDecoderTests and ImageResizeTests, with Pillow's pixels.

PNG files of every colour type and bit depth of the standard (grey 1/2/4/8/16, RGB 8/16,
palette 1/2/4/8 with and without tRNS, grey+alpha 8/16, RGBA 8/16, grey and RGB colour
keys), interlaced and not, with every row filter, are written by a small encoder here;
Pillow then decodes each and its convert("RGB") and convert("L") pixels are the
reference (for 16-bit grey, whose Pillow mode "I;16" clips rather than keeping the high
byte, the reference is the high byte, as the contract says). Pillow's bilinear resizes
of an RGB and an L image (shrinking, enlarging, odd sizes) are the resize reference.
Damaged files (truncated, bad CRC, bad filter, a decompression bomb, absurd dimensions)
are written for the error tests.

Usage: python3 tools/make_image_fixtures.py  (writes Tests/DNNTests/Fixtures/images/)
"""
import io
import json
import os
import struct
import zlib

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DNNTests", "Fixtures", "images")


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_rows(rows, stride, first_filter):
    """Filters each row (bytes) with filter types cycling from first_filter, so every type is used."""
    out = bytearray()
    previous = bytes(len(rows[0])) if rows else b""
    for y, row in enumerate(rows):
        kind = (first_filter + y) % 5
        out.append(kind)
        for i, x in enumerate(row):
            a = row[i - stride] if i >= stride else 0
            b = previous[i]
            c = previous[i - stride] if i >= stride else 0
            predictor = [0, a, b, (a + b) // 2, paeth(a, b, c)][kind]
            out.append((x - predictor) & 0xFF)
        previous = row
    return bytes(out)


def pack_row(samples, depth):
    """Samples (ints) of one row packed at `depth` bits, big-endian."""
    if depth == 8:
        return bytes(samples)
    if depth == 16:
        return b"".join(struct.pack(">H", s) for s in samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc = (acc << depth) | s
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(samples, color_type, depth, interlaced=False, palette=None, trns=None, idat_pieces=1):
    """samples: int array [H, W, samples per pixel]. Returns the PNG file's bytes."""
    h, w, spp = samples.shape
    stride = max(1, spp * depth // 8)
    passes = ADAM7 if interlaced else [(0, 0, 1, 1)]
    raw = bytearray()
    for number, (x0, y0, dx, dy) in enumerate(passes):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        rows = [pack_row([int(v) for v in row.reshape(-1)], depth) for row in sub]
        raw += filter_rows(rows, stride, number)
    header = struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, 1 if interlaced else 0)
    data = zlib.compress(bytes(raw), 9)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
    png += chunk(b"tEXt", b"Comment\x00an ancillary chunk to skip")
    if palette is not None:
        png += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        png += chunk(b"tRNS", bytes(trns))
    step = -(-len(data) // idat_pieces)
    for i in range(0, len(data), step):
        png += chunk(b"IDAT", data[i:i + step])
    return png + chunk(b"IEND", b"")


def pillow_reference(png, high_byte_grey16=None):
    image = Image.open(io.BytesIO(png))
    image.load()
    if high_byte_grey16 is not None:
        grey = (high_byte_grey16 >> 8).astype(np.uint8)
        rgb = np.repeat(grey[:, :, None], 3, axis=2)
        return image.mode, rgb, grey
    return image.mode, np.asarray(image.convert("RGB")), np.asarray(image.convert("L"))


def cases():
    rng = np.random.default_rng(20)
    h, w = 11, 13
    yield "grey1", 0, 1, rng.integers(0, 2, (h, w, 1)), {}
    yield "grey2", 0, 2, rng.integers(0, 4, (h, w, 1)), {}
    yield "grey4", 0, 4, rng.integers(0, 16, (h, w, 1)), {}
    yield "grey8", 0, 8, rng.integers(0, 256, (h, w, 1)), {}
    yield "grey16", 0, 16, rng.integers(0, 65536, (h, w, 1)), {}
    yield "rgb8", 2, 8, rng.integers(0, 256, (h, w, 3)), {}
    yield "rgb16", 2, 16, rng.integers(0, 65536, (h, w, 3)), {}
    yield "greyalpha8", 4, 8, rng.integers(0, 256, (h, w, 2)), {}
    yield "greyalpha16", 4, 16, rng.integers(0, 65536, (h, w, 2)), {}
    yield "rgba8", 6, 8, rng.integers(0, 256, (h, w, 4)), {}
    yield "rgba16", 6, 16, rng.integers(0, 65536, (h, w, 4)), {}
    for depth in (1, 2, 4, 8):
        entries = 1 << depth
        palette = rng.integers(0, 256, entries * 3).tolist()
        indices = rng.integers(0, entries, (h, w, 1))
        yield f"palette{depth}", 3, depth, indices, {"palette": palette}
        alphas = rng.integers(0, 256, max(1, entries // 2)).tolist()
        yield f"palette{depth}_trns", 3, depth, indices, {"palette": palette, "trns": alphas}
    grey = rng.integers(0, 4, (h, w, 1)) * 60
    yield "grey8_key", 0, 8, grey, {"trns": [0, 60]}
    rgb = rng.integers(0, 3, (h, w, 3)) * 100
    yield "rgb8_key", 2, 8, rgb, {"trns": [0, 100, 0, 0, 0, 200]}
    yield "rgb16_key", 2, 16, rgb * 257, {"trns": list(struct.pack(">HHH", 25700, 0, 51400))}


def write_decoder_fixtures(references):
    for name, color_type, depth, samples, extra in cases():
        for interlaced in (False, True):
            file = name + ("_interlaced" if interlaced else "") + ".png"
            png = encode_png(samples, color_type, depth, interlaced, idat_pieces=3 if interlaced else 1, **extra)
            with open(os.path.join(OUT, file), "wb") as f:
                f.write(png)
            grey16 = samples[:, :, 0] if (color_type == 0 and depth == 16) else None
            mode, rgb, grey = pillow_reference(png, grey16)
            references.append({"file": file, "mode": mode, "width": int(samples.shape[1]),
                               "height": int(samples.shape[0]), "rgb": rgb.reshape(-1).tolist(),
                               "l": grey.reshape(-1).tolist()})


def write_resize_fixtures():
    rng = np.random.default_rng(7)
    source = Image.fromarray(rng.integers(0, 256, (23, 37, 3), dtype=np.uint8), "RGB")
    # A smooth part too, so that rounding, not only noise, is compared.
    gradient = np.add.outer(np.arange(23) * 9, np.arange(37) * 5) % 256
    source.paste(Image.fromarray(np.stack([gradient] * 3, axis=2).astype(np.uint8), "RGB").crop((0, 0, 18, 23)))
    source.save(os.path.join(OUT, "resize_source.png"))
    resizes = []
    for height, width in [(11, 7), (5, 18), (50, 61), (23, 80), (46, 19), (1, 1), (3, 37), (23, 37)]:
        for mode in ("RGB", "L"):
            resized = source.convert(mode).resize((width, height), Image.BILINEAR)
            resizes.append({"mode": mode, "height": height, "width": width,
                            "pixels": np.asarray(resized).reshape(-1).tolist()})
    with open(os.path.join(OUT, "resize.json"), "w") as f:
        json.dump({"source": "resize_source.png", "cases": resizes}, f)


def write_damaged_files():
    good = encode_png(np.arange(64).reshape(8, 8, 1) * 3, 0, 8)
    with open(os.path.join(OUT, "bad_truncated.png"), "wb") as f:
        f.write(good[:len(good) - 30])
    crc = bytearray(good)
    crc[60] ^= 0x01  # inside the tEXt chunk's data: its CRC no longer matches
    with open(os.path.join(OUT, "bad_crc.png"), "wb") as f:
        f.write(bytes(crc))
    rows = b"".join(b"\x07" + bytes(8) for _ in range(8))  # filter type 7 does not exist
    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, "bad_filter.png"), "wb") as f:
        f.write(png)
    # 16 x 16 grey needs 272 inflated bytes; this stream inflates to 8 MiB.
    header = struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0)
    bomb = zlib.compress(bytes(8 << 20), 9)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", bomb) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, "bad_bomb.png"), "wb") as f:
        f.write(png)
    header = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(100))) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, "bad_dimensions.png"), "wb") as f:
        f.write(png)
    garbage = bytearray(good)
    for i in range(80, len(garbage) - 20):
        garbage[i] = (garbage[i] * 7 + 13) & 0xFF
    body = bytes(garbage[:-12])  # keep chunk CRCs valid: recompute over the damaged IDAT
    start = good.index(b"IDAT") - 4
    length = struct.unpack(">I", good[start:start + 4])[0]
    data = bytes(garbage[start + 8:start + 8 + length])
    png = good[:start] + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    with open(os.path.join(OUT, "bad_corrupt.png"), "wb") as f:
        f.write(png)


def main():
    os.makedirs(OUT, exist_ok=True)
    references = []
    write_decoder_fixtures(references)
    with open(os.path.join(OUT, "decoded.json"), "w") as f:
        json.dump({"cases": references}, f)
    write_resize_fixtures()
    write_damaged_files()
    # Pillow's L formula, checked on random colours: L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16.
    rng = np.random.default_rng(3)
    colours = rng.integers(0, 256, (1, 4096, 3), dtype=np.uint8)
    l = np.asarray(Image.fromarray(colours, "RGB").convert("L")).astype(np.int64)
    c = colours.astype(np.int64)
    assert (l == (c[..., 0] * 19595 + c[..., 1] * 38470 + c[..., 2] * 7471 + 0x8000) >> 16).all()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the NumPy, NPZ and CIFAR fixtures of NumPyReaderTests, NPZReaderTests and
CIFARReaderTests into Tests/DNNTests/Fixtures/arrays/, with expected.json: for every good
file its shape and its values as NumPy reads them (floats as float32, then as Python
floats; texts as str), so the Swift tests compare exactly.

Needs numpy: python3 tools/make_npy_fixtures.py
"""
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "DNNTests", "Fixtures", "arrays")
expected = {}


def save(name, array, version=None):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        if version is None:
            np.save(f, array)
        else:
            np.lib.format.write_array(f, array, version=version)
    record(name, np.load(path))


def record(name, array):
    if array.dtype.kind in "US":
        values = [str(v.decode() if isinstance(v, bytes) else v) for v in array.flatten(order="C")]
        expected[name] = {"shape": list(array.shape), "texts": values}
    else:
        values = array.astype(np.float32).flatten(order="C")
        expected[name] = {"shape": list(array.shape), "values": [float(v) if np.isfinite(v) else str(v) for v in values]}


def dtype_files():
    base = np.array([[0, 1, 2], [3, 100, 127]])
    for code in ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8"]:
        for order in "<>":
            if code.endswith("1") and order == ">":
                continue
            values = base if code[0] == "u" else base * np.array([1, -1, 1])
            save(f"{code}_{'le' if order == '<' else 'be'}.npy", values.astype(order + code))
    wide = np.array([[-(2**62), 2**40 + 1, 7]], dtype="<i8")
    save("i8_wide.npy", wide)
    save("u8_wide.npy", np.array([2**64 - 1, 2**53 + 1], dtype=">u8"))
    floats = np.array([[0.5, -1.25, 3.1415927], [1e-8, 65504.0, -0.0]])
    for code in ["f2", "f4", "f8"]:
        for order in "<>":
            save(f"{code}_{'le' if order == '<' else 'be'}.npy", floats.astype(order + code))
    save("f2_special.npy", np.array([6e-8, 1e-5, np.inf, -np.inf, 0.333], dtype="<f2"))
    save("f8_rounding.npy", np.array([0.1, 1 / 3, 16777217.0, 1e-40], dtype="<f8"))
    save("bool.npy", np.array([[True, False], [False, True]]))


def layout_files():
    save("fortran_f4.npy", np.asfortranarray(np.arange(12, dtype="<f4").reshape(3, 4)))
    save("fortran_i8_3d.npy", np.asfortranarray(np.arange(24, dtype=">i8").reshape(2, 3, 4)))
    save("v1.npy", np.arange(6, dtype="<f4").reshape(2, 3), version=(1, 0))
    save("v2.npy", np.arange(6, dtype="<f4").reshape(2, 3), version=(2, 0))
    save("v3.npy", np.arange(6, dtype="<f4").reshape(2, 3), version=(3, 0))
    save("scalar_rows.npy", np.arange(4, dtype="<f4"))
    save("images_u1.npy", (np.arange(2 * 3 * 4) % 256).astype("u1").reshape(2, 3, 4))
    save("unicode_le.npy", np.array(["setosa", "versicolor", "virginica", "é✓"]))
    save("unicode_be.npy", np.array(["ab", "c", ""], dtype=">U2"))
    save("bytes.npy", np.array([b"cat", b"dog"]))


def bad_npy():
    with open(os.path.join(OUT, "bad_object.npy"), "wb") as f:
        np.save(f, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    good = open(os.path.join(OUT, "f4_le.npy"), "rb").read()
    open(os.path.join(OUT, "bad_truncated_data.npy"), "wb").write(good[:-5])
    open(os.path.join(OUT, "bad_truncated_header.npy"), "wb").write(good[:30])
    open(os.path.join(OUT, "bad_magic.npy"), "wb").write(b"NUMPY!" + good[6:])
    open(os.path.join(OUT, "bad_version.npy"), "wb").write(good[:6] + b"\x04\x00" + good[8:])
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }"
    raw(os.path.join(OUT, "bad_absurd_shape.npy"), header, b"\0" * 16)
    raw(os.path.join(OUT, "bad_overflow_shape.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", b"")
    raw(os.path.join(OUT, "bad_dict.npy"), "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", b"\0" * 8)
    raw(os.path.join(OUT, "bad_syntax.npy"), "{'descr': '<f4', 'fortran_order': Fals, 'shape': (2,), }", b"\0" * 8)
    raw(os.path.join(OUT, "bad_call.npy"), "{'descr': __import__('os'), 'fortran_order': False, 'shape': (2,), }", b"\0" * 8)
    raw(os.path.join(OUT, "bad_structured.npy"), "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", b"\0" * 8)
    raw(os.path.join(OUT, "bad_complex.npy"), "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8)


def raw(path, header, data):
    """An NPY 1.0 file with exactly this header text (padded as NumPy pads) and data."""
    text = header.encode("latin1")
    padding = 64 - (10 + len(text) + 1) % 64
    text += b" " * (padding % 64) + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data)


def npz_files():
    x = np.arange(12, dtype="<f4").reshape(4, 3) / 4
    y = np.array([0, 2, 1, 2], dtype="<i8")
    classes = np.array(["a", "b", "c"])
    np.savez(os.path.join(OUT, "stored.npz"), x_train=x, y_train=y, classes=classes)
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), x_train=x, y_train=y)
    saved = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 0  # every size and offset through the ZIP64 records
    try:
        with zipfile.ZipFile(os.path.join(OUT, "zip64.npz"), "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in [("x_train", x), ("y_train", y)]:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, array)
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    member.write(buffer.getvalue())
    finally:
        zipfile.ZIP64_LIMIT = saved
    for name in ["stored.npz", "deflated.npz", "zip64.npz"]:
        with np.load(os.path.join(OUT, name)) as archive:
            for member in archive.files:
                record(f"{name}:{member}", archive[member])
    bad_zips(x)


def bad_zips(x):
    stored = open(os.path.join(OUT, "stored.npz"), "rb").read()
    at = stored.index(b"\x93NUMPY") + 130
    open(os.path.join(OUT, "bad_crc.npz"), "wb").write(stored[:at] + bytes([stored[at] ^ 0xFF]) + stored[at + 1:])
    open(os.path.join(OUT, "bad_truncated.npz"), "wb").write(stored[: len(stored) // 2])
    deflated = open(os.path.join(OUT, "deflated.npz"), "rb").read()
    open(os.path.join(OUT, "bad_truncated_deflate.npz"), "wb").write(deflated[:-30])
    # A bomb: 4 MB of zeros that states a size of 1,000 bytes in both headers.
    big = io.BytesIO()
    np.lib.format.write_array(big, np.zeros(1 << 20, dtype="<f4"))
    data = big.getvalue()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(data) + compressor.flush()
    write_zip(os.path.join(OUT, "bad_bomb.npz"), "x.npy", packed, 8, zlib.crc32(data), 1000)
    write_zip(os.path.join(OUT, "bad_claims_huge.npz"), "x.npy", packed, 8, zlib.crc32(data), 1 << 31)
    write_zip(os.path.join(OUT, "bad_method.npz"), "x.npy", packed, 14, zlib.crc32(data), len(data))


def write_zip(path, name, payload, method, crc, size):
    """One member with exactly these header fields (what zipfile cannot be made to write)."""
    name = name.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(payload), size, len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc, len(payload), size,
                          len(name), 0, 0, 0, 0, 0, 0) + name
    offset = len(local) + len(payload)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central), offset, 0)
    open(path, "wb").write(local + payload + central + end)


def cifar_files():
    """Records in the exact layout of the CIFAR binary batches; pixel p of record r is (r * 7 + p) % 256."""
    def record_bytes(r, labels):
        return bytes(labels) + bytes((r * 7 + p) % 256 for p in range(3072))
    os.makedirs(os.path.join(OUT, "cifar10"), exist_ok=True)
    for index, records in enumerate([[0, 1, 2], [9, 3]]):
        start = 0 if index == 0 else 3
        data = b"".join(record_bytes(start + i, [label]) for i, label in enumerate(records))
        open(os.path.join(OUT, "cifar10", f"data_batch_{index + 1}.bin"), "wb").write(data)
    names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    open(os.path.join(OUT, "cifar10", "batches.meta.txt"), "w").write("\n".join(names) + "\n\n")
    os.makedirs(os.path.join(OUT, "cifar100"), exist_ok=True)
    data = b"".join(record_bytes(r, [coarse, fine]) for r, (coarse, fine) in enumerate([(4, 30), (19, 99), (0, 4)]))
    open(os.path.join(OUT, "cifar100", "train.bin"), "wb").write(data)
    open(os.path.join(OUT, "cifar100", "truncated.bin"), "wb").write(data[:-100])
    # CIFAR-10 labels read as CIFAR-100 records: label 9 > 19? no; so a bad label file apart.
    open(os.path.join(OUT, "cifar10", "bad_label.bin"), "wb").write(record_bytes(0, [12]))


def writer_references():
    """What np.save writes, byte for byte, for the arrays NPYWriterTests writes."""
    for name, array in [("written_f4.npy", (np.arange(6, dtype="<f4") / 4 - 0.5).reshape(2, 3)),
                        ("written_u1.npy", np.arange(24, dtype="u1").reshape(2, 1, 3, 4)),
                        ("written_i8.npy", np.array([0, -1, 2**40], dtype="<i8")),
                        ("written_unicode.npy", np.array(["setosa", "é✓", ""]))]:
        np.save(os.path.join(OUT, name), array)


def main():
    os.makedirs(OUT, exist_ok=True)
    writer_references()
    dtype_files()
    layout_files()
    bad_npy()
    npz_files()
    cifar_files()
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=0, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Write data/swift_sources.txt: the text configs/gpt_tiny.json trains on.

    python3 tools/make_text_corpus.py

The Swift sources of dnn's layers, kernels, losses and optimizers, concatenated in sorted
path order, each preceded by a `// FILE: path` line. It is this project's own code, under
the project's terms; a snapshot, so the bytes stay fixed while the sources change.
"""

import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = ["Sources/DNN/Layers", "Sources/DNN/Tensor", "Sources/DNN/Losses", "Sources/DNN/Optimizers"]


def main():
    paths = sorted(
        os.path.join(folder, name)
        for folder in FOLDERS
        for name in os.listdir(os.path.join(ROOT, folder))
        if name.endswith(".swift")
    )
    with open(os.path.join(ROOT, "data", "swift_sources.txt"), "w", encoding="utf-8", newline="\n") as out:
        for path in paths:
            with open(os.path.join(ROOT, path), encoding="utf-8") as source:
                out.write(f"// FILE: {path}\n{source.read()}\n")


if __name__ == "__main__":
    main()

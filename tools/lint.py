#!/usr/bin/env python3
"""`make lint`: the claims DEVELOPERS.md and README.md make about the code, checked.

1. No function (func, init, subscript, deinit) in Sources/ is over 60 lines, counted
   from its declaration to its closing brace; the generated kernels of GENERATED are
   excepted by name.
2. No cast to a concrete layer type (`as`, `as?`, `as!`, `is` with a class that conforms
   to `Layer`) outside Sources/DNN/Layers/: code elsewhere walks layers through the
   `Layer` protocol and reads hyperparameters from the layer spec.
3. Every `LayerType` case (Sources/DNN/Config/LayerSpec.swift) has a row in README.md's
   layer table and a PyTorch case in Tests/DNNTests/Fixtures/layers.json or attention_layers.json.

Python 3 standard library only. Exits 1 and prints one line per finding (file:line where
there is one); `python3 tools/lint.py --root DIR` checks another checkout.
"""
import argparse
import json
import os
import re
import sys

MAX_LINES = 60
# Kernels written out by a generator (tools/generate_gemm_kernels.py), whose length is the
# unrolled arithmetic:
# {"path relative to the root": {"function name", ...}}.
GENERATED = {"Sources/DNN/Tensor/GEMM.swift": {"kernel"}}

DECLARATION = re.compile(
    r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|open|static|class|final|"
    r"override|mutating|nonmutating|convenience|required|nonisolated|@inlinable|@inline\(__always\))\s+)*"
    r"(func\s+([^\s(<]+)|init[?!]?|subscript|deinit)\s*[(<{]?")
CONTINUATION = ("{", "->", "throws", "rethrows", "async", "where", ")")


def strip_code(text):
    """`text` with comments and string literals blanked (newlines kept), so braces and
    words in them do not count."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('"""', i):
            j = text.find('"""', i + 3)
            j = n if j < 0 else j + 3
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"':
            j, depth = i + 1, 0
            # A string ends at an unescaped quote outside \( ... ) interpolations.
            while j < n and text[j] != "\n":
                if text[j] == "\\" and j + 1 < n and text[j + 1] == "(":
                    depth += 1
                    j += 2
                    continue
                if text[j] == "\\":
                    j += 2
                    continue
                if depth and text[j] == "(":
                    depth += 1
                elif depth and text[j] == ")":
                    depth -= 1
                elif not depth and text[j] == '"':
                    break
                j += 1
            out.append(" " * (j + 1 - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, line count) of every function with a body in a Swift file."""
    lines = strip_code(open(path, encoding="utf-8").read()).split("\n")
    found = []
    for start, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        name = match.group(2) or match.group(1).split("(")[0].strip()
        end = body_end(lines, start, line.index(match.group(1)))
        if end is not None:
            found.append((name, start + 1, end - start + 1))
    return found


def body_end(lines, start, column):
    """The line of the brace that closes the body of the declaration at (start, column),
    or None for a declaration without a body (a protocol requirement)."""
    parens = 0
    depth = None
    row, col = start, column
    while row < len(lines):
        text = lines[row]
        while col < len(text):
            c = text[col]
            if depth is None:
                if c in "([<":
                    parens += c != "<"
                elif c in ")]":
                    parens -= 1
                elif c == "{" and parens == 0:
                    depth = 1
            else:
                depth += (c == "{") - (c == "}")
                if depth == 0:
                    return row
            col += 1
        row, col = row + 1, 0
        if depth is None and parens == 0:
            following = next((l.strip() for l in lines[row:] if l.strip()), "")
            if not following.startswith(CONTINUATION):
                return None
    return None


def check_lengths(root):
    findings = []
    for folder, _, files in sorted(os.walk(os.path.join(root, "Sources"))):
        for file in sorted(files):
            if not file.endswith(".swift"):
                continue
            path = os.path.join(folder, file)
            relative = os.path.relpath(path, root)
            for name, line, count in functions(path):
                if count > MAX_LINES and name not in GENERATED.get(relative, set()):
                    findings.append(f"{relative}:{line}: {name} is {count} lines, over {MAX_LINES}: "
                                    "split it into named helpers")
    return findings


def layer_classes(root):
    """The names of the types in Sources/DNN/Layers/ that conform to `Layer`."""
    names = set()
    folder = os.path.join(root, "Sources/DNN/Layers")
    for file in os.listdir(folder):
        if file.endswith(".swift"):
            text = strip_code(open(os.path.join(folder, file), encoding="utf-8").read())
            for match in re.finditer(r"\b(?:class|struct)\s+(\w+)\s*(?:<[^>{]*>)?\s*:\s*([^{]*)\{", text):
                if re.search(r"\bLayer\b", match.group(2)):
                    names.add(match.group(1))
    return names


def check_casts(root):
    names = layer_classes(root)
    if not names:
        return ["Sources/DNN/Layers: no type conforming to Layer found (has the protocol moved?)"]
    cast = re.compile(r"\b(as[?!]?|is)\s+(" + "|".join(sorted(names)) + r")\b")
    findings = []
    layers = os.path.join(root, "Sources/DNN/Layers") + os.sep
    for folder, _, files in sorted(os.walk(os.path.join(root, "Sources"))):
        for file in sorted(files):
            path = os.path.join(folder, file)
            if not file.endswith(".swift") or path.startswith(layers):
                continue
            text = strip_code(open(path, encoding="utf-8").read())
            for number, line in enumerate(text.split("\n"), 1):
                for match in cast.finditer(line):
                    findings.append(f"{os.path.relpath(path, root)}:{number}: '{match.group(0)}' casts to a layer "
                                    "type outside Sources/DNN/Layers/: use the Layer protocol or the layer spec")
    return findings


def layer_types(root):
    """LayerType's JSON names (a case's raw value, else its name), in declaration order."""
    text = open(os.path.join(root, "Sources/DNN/Config/LayerSpec.swift"), encoding="utf-8").read()
    body = re.search(r"enum\s+LayerType\b[^{]*\{(.*?)\n\s*(?:///|(?:public\s+)?(?:var|func|static)\b)", text, re.S)
    if not body:
        return None
    names = []
    for case in re.finditer(r"^\s*case\s+([^\n]+)", body.group(1), re.M):
        for item in case.group(1).split("//")[0].split(","):
            name, _, raw = item.partition("=")
            names.append(raw.strip().strip('"') if raw else name.strip())
    return names


def readme_layer_table(root):
    """The `type` names in the first cell of each row of README.md's layer table: the
    table under the heading named "Layers"."""
    names, in_section, in_table = set(), False, False
    for line in open(os.path.join(root, "README.md"), encoding="utf-8"):
        if line.startswith("#"):
            in_section = re.match(r"#+\s+Layers\s*$", line) is not None
            in_table = False
            continue
        if in_section and line.startswith("|"):
            first = line.split("|")[1]
            in_table = in_table or "`type`" in first
            if in_table and "`type`" not in first:
                names.update(re.findall(r"`([^`]+)`", first))
    return names


def check_layer_types(root):
    types = layer_types(root)
    if not types:
        return ["Sources/DNN/Config/LayerSpec.swift: enum LayerType not found"]
    table = readme_layer_table(root)
    # The files LayerFixtureTests reads: every layer of layer_cases(), and those of the
    # language models (attention_layer_cases()).
    fixture_files = ["Tests/DNNTests/Fixtures/layers.json", "Tests/DNNTests/Fixtures/attention_layers.json"]
    fixtures_path = " or ".join(os.path.basename(f) for f in fixture_files)
    cases = [case for f in fixture_files
             for case in json.load(open(os.path.join(root, f), encoding="utf-8"))["cases"]]

    def case_types(layer):
        yield layer.get("type")
        for key in ("body", "shortcut"):
            for inner in layer.get(key) or []:
                yield from case_types(inner)

    fixtures = {t for case in cases for t in case_types(case["layer"])}
    findings = []
    for name in types:
        if name not in table:
            findings.append(f"README.md: layer type '{name}' (LayerType in Sources/DNN/Config/LayerSpec.swift) "
                            "has no row in the layer table under '### Layers'")
        if name not in fixtures:
            findings.append(f"{fixtures_path}: layer type '{name}' has no PyTorch case "
                            "(add one in tools/make_fixtures.py layer_cases() and rerun it)")
    return findings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    root = os.path.normpath(parser.parse_args().root)
    findings = check_lengths(root) + check_casts(root) + check_layer_types(root)
    for finding in findings:
        print("lint: " + finding)
    if findings:
        print(f"lint: {len(findings)} finding(s)")
        return 1
    print("lint: ok (function lengths, layer casts, layer table and fixtures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

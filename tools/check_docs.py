#!/usr/bin/env python3
"""`make docs-check`: runs every command shown in README.md and docs/*.md, so none goes stale.

Each ```sh block is read line by line (a trailing backslash continues a line; `#` starts a
comment):
- `make TARGET [VAR=VALUE...]` must be a target of the Makefile: `make -n` (a dry run, in the
  checkout) succeeds. The targets themselves run in CI or by hand.
- Every other line runs in bash, in order, in a scratch folder holding copies of `configs/`
  and `data/` (MNIST linked when present), with `dnn` and `.build/release/dnn` being the
  checkout's release binary. A README block may set a variable (`DNN=...`) that later lines
  of the same file use. A line that needs MNIST is skipped, with a message, without it.

Python 3 standard library only; needs `make build` first. Exits 1, naming the file and
line of each command that failed.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def commands(path):
    """(line number, command) of every command in the ```sh blocks of `path`."""
    found, block, pending, start = [], False, "", 0
    for number, line in enumerate(open(path, encoding="utf-8"), 1):
        stripped = line.rstrip("\n")
        if stripped.startswith("```"):
            block = stripped == "```sh"
            continue
        if not block:
            continue
        if not pending:
            start = number
        text = stripped.rstrip()
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        command = (pending + text).strip()
        pending = ""
        if command:
            found.append((start, command))
    return found


def without_comment(command):
    """`command` without a trailing `# ...` comment outside quotes."""
    quote = None
    for index, char in enumerate(command):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or command[index - 1] == " "):
            return command[:index].rstrip()
    return command


def scratch_folder(binary):
    folder = tempfile.mkdtemp(prefix="dnn-docs-")
    shutil.copytree(os.path.join(ROOT, "configs"), os.path.join(folder, "configs"))
    os.makedirs(os.path.join(folder, "data"))
    for name in os.listdir(os.path.join(ROOT, "data")):
        source = os.path.join(ROOT, "data", name)
        if os.path.isfile(source):
            shutil.copy(source, os.path.join(folder, "data", name))
    for mnist in (os.path.join(ROOT, "data", "mnist"), os.path.join(ROOT, "..", "shared", "data", "mnist")):
        if os.path.isdir(mnist):
            os.symlink(os.path.realpath(mnist), os.path.join(folder, "data", "mnist"))
            break
    os.makedirs(os.path.join(folder, ".build", "release"))
    os.symlink(binary, os.path.join(folder, ".build", "release", "dnn"))
    os.makedirs(os.path.join(folder, "bin"))
    os.symlink(binary, os.path.join(folder, "bin", "dnn"))
    return folder


def main():
    binary = os.path.join(ROOT, ".build", "release", "dnn")
    if not os.access(binary, os.X_OK):
        print("docs-check: no .build/release/dnn; run make build first")
        return 1
    folder = scratch_folder(binary)
    environment = dict(os.environ, PATH=os.path.join(folder, "bin") + os.pathsep + os.environ["PATH"])
    has_mnist = os.path.isdir(os.path.join(folder, "data", "mnist"))
    failures, ran = [], 0
    files = ["README.md"] + sorted(os.path.join("docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                                   if f.endswith(".md"))
    for relative in files:
        variables = ""
        for number, command in commands(os.path.join(ROOT, relative)):
            command = without_comment(command)
            where = f"{relative}:{number}"
            if not command:
                continue
            if command.startswith("make "):
                result = subprocess.run(["make", "-n"] + command.split()[1:], cwd=ROOT, capture_output=True, text=True)
            elif re.fullmatch(r"[A-Z_]+=\S+", command):
                variables += command + "\n"
                continue
            elif re.search(r"\b(train|eval|predict)\b.*mnist", command) and not has_mnist:
                print(f"docs-check: {where}: skipped (no MNIST in data/mnist or ../shared/data/mnist): {command}")
                continue
            else:
                result = subprocess.run(["bash", "-c", variables + command], cwd=folder, env=environment,
                                        capture_output=True, text=True, timeout=900)
            ran += 1
            if result.returncode != 0:
                failures.append(f"{where}: exit {result.returncode}: {command}\n    "
                                + (result.stderr.strip() or result.stdout.strip())[-400:].replace("\n", "\n    "))
    shutil.rmtree(folder, ignore_errors=True)
    for failure in failures:
        print("docs-check: " + failure)
    print(f"docs-check: {ran} commands, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

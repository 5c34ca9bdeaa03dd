#!/usr/bin/env python3
"""Writes the GEMM micro-kernels of Sources/DNN/Tensor/GEMM.swift (between the
`// BEGIN GENERATED MICRO-KERNELS` and `// END GENERATED MICRO-KERNELS` lines).

Each kernel keeps an 8-row tile of C in registers, 1, 2 or 3 vectors wide, as named
variables: Swift has no way to ask for a register-resident array of vectors, and the
optimiser keeps named SIMD variables in registers. The three widths share this one
template, so edit the template and run `python3 tools/generate_gemm_kernels.py`.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.path.join(ROOT, "Sources", "DNN", "Tensor", "GEMM.swift")
ROWS = 8


def kernel(vectors):
    name = "kernel" if vectors == 3 else f"kernel{vectors}"
    lines = [
        "    @inline(__always)",
        f"    private static func {name}(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,",
        "                               _ b: UnsafePointer<T>, _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {",
        "        let nr = Self.nr, lanes = Self.lanes",
    ]
    lines += [f"        let a{r} = a + (rows > {r} ? {r} &* rowStep : 0)" for r in range(1, ROWS)]
    lines += ["        var " + ", ".join(f"c{r}{v} = V()" for v in range(vectors)) for r in range(ROWS)]
    lines += ["        var q = 0", "        var bp = b", "        for _ in 0..<depth {"]
    lines += [f"            let b{v} = T.load(bp + {v} &* lanes)" for v in range(vectors)]
    for r in range(ROWS):
        lines.append(f"            let x{r} = V(repeating: {'a' if r == 0 else f'a{r}'}[q])")
        lines.append("            " + "; ".join(f"c{r}{v}.addProduct(x{r}, b{v})" for v in range(vectors)))
    lines += ["            q &+= depthStep", "            bp += nr", "        }"]
    lines += [f"        storeTile(c{r}{v}, tile + ({r} &* ldt &+ {v} &* lanes), alpha, beta)"
              for r in range(ROWS) for v in range(vectors)]
    lines.append("    }")
    return "\n".join(lines)


def main():
    source = open(PATH).read()
    generated = "\n".join([
        "    // BEGIN GENERATED MICRO-KERNELS (tools/generate_gemm_kernels.py; edit the script, not this)",
        "    /// The 8 x 3-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's",
        "    /// element (r, p) is `a[r·rowStep + p·depthStep]` and `b` is a packed [depth, nr] panel.",
        "    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).",
        kernel(3),
        "",
        "    /// The same with 2 vectors and with 1 vector of columns (the packed panel is still",
        "    /// `nr` wide), for the right edge of C.",
        kernel(2),
        "",
        kernel(1),
        "    // END GENERATED MICRO-KERNELS",
    ])
    pattern = re.compile(r"    // BEGIN GENERATED MICRO-KERNELS.*?    // END GENERATED MICRO-KERNELS", re.S)
    if not pattern.search(source):
        raise SystemExit(f"{PATH}: no generated section markers")
    open(PATH, "w").write(pattern.sub(lambda _: generated, source))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the GEMM micro-kernels of Sources/DNN/Tensor/GEMM.swift (between the
`// BEGIN GENERATED MICRO-KERNELS` and `// END GENERATED MICRO-KERNELS` lines).

Each kernel keeps a tile of C in registers, `mr` rows by 1, 2 or 3 vectors of
`T.GEMMVector`, as named variables: Swift has no way to ask for a register-resident
array of vectors, and the optimiser keeps named SIMD variables in registers. The row
count is chosen per instruction set at compile time (see docs/kernels.md):

- AVX-512 (`DNN_VECTOR_BITS_512`) and NEON (`arch(arm64)`): 8 rows x 3 vectors = 24
  accumulators of the 32 vector registers (zmm, or q of 4 floats);
- AVX2 (`DNN_VECTOR_BITS_256`) and SSE (`DNN_VECTOR_BITS_128` on x86): 4 rows x 3
  vectors = 12 accumulators of the 16 ymm / xmm registers, leaving 3 for B and 1 for
  the broadcast of A.

Every shape shares this one template, so edit the template and run
`python3 tools/generate_gemm_kernels.py`.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.path.join(ROOT, "Sources", "DNN", "Tensor", "GEMM.swift")
SHAPES = [("arch(arm64) || DNN_VECTOR_BITS_512", 8), (None, 4)]


def kernel(vectors, ROWS):
    name = "kernel" if vectors == 3 else f"kernel{vectors}"
    lines = [
        "    @inline(__always)",
        f"    private static func {name}(depth: Int, _ a: UnsafePointer<T>, rowStep: Int, depthStep: Int, rows: Int,",
        "                               _ b: UnsafePointer<T>, ldb: Int, _ tile: UnsafeMutablePointer<T>, ldt: Int,",
        "                               alpha: T, beta: T) {",
        "        let lanes = Self.lanes",
    ]
    lines += [f"        let a{r} = a + (rows > {r} ? {r} &* rowStep : 0)" for r in range(1, ROWS)]
    lines += ["        var " + ", ".join(f"c{r}{v} = V()" for v in range(vectors)) for r in range(ROWS)]
    lines += ["        var q = 0", "        var bp = b", "        for _ in 0..<depth {"]
    lines += [f"            let b{v} = load(bp + {v} &* lanes)" for v in range(vectors)]
    for r in range(ROWS):
        lines.append(f"            let x{r} = V(repeating: {'a' if r == 0 else f'a{r}'}[q])")
        lines.append("            " + "; ".join(f"c{r}{v}.addProduct(x{r}, b{v})" for v in range(vectors)))
    lines += ["            q &+= depthStep", "            bp += ldb", "        }"]
    lines += [f"        storeTile(c{r}{v}, tile + ({r} &* ldt &+ {v} &* lanes), alpha, beta)"
              for r in range(ROWS) for v in range(vectors)]
    lines.append("    }")
    return "\n".join(lines)


def shape(rows):
    return [
        f"    /// Rows of the micro-tile: {rows} x 3 vectors = {rows * 3} accumulator registers.",
        f"    static var mr: Int {{ {rows} }}",
        "",
        f"    /// The {rows} x 3-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's",
        "    /// element (r, p) is `a[r·rowStep + p·depthStep]` and B's row p starts at `b + p·ldb`",
        "    /// (a packed panel, or B itself where it is read in place).",
        "    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).",
        kernel(3, rows),
        "",
        "    /// The same with 2 vectors and with 1 vector of columns, for the right edge of C.",
        kernel(2, rows),
        "",
        kernel(1, rows),
    ]


def main():
    source = open(PATH).read()
    lines = ["    // BEGIN GENERATED MICRO-KERNELS (tools/generate_gemm_kernels.py; edit the script, not this)"]
    for index, (condition, rows) in enumerate(SHAPES):
        lines.append(f"    #if {condition}" if index == 0 else (f"    #elseif {condition}" if condition else "    #else"))
        lines += shape(rows)
    lines += ["    #endif", "    // END GENERATED MICRO-KERNELS"]
    generated = "\n".join(lines)
    pattern = re.compile(r"    // BEGIN GENERATED MICRO-KERNELS.*?    // END GENERATED MICRO-KERNELS", re.S)
    if not pattern.search(source):
        raise SystemExit(f"{PATH}: no generated section markers")
    open(PATH, "w").write(pattern.sub(lambda _: generated, source))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes the GEMM micro-kernels of Sources/DNN/Tensor/GEMM.swift (between the
`// BEGIN GENERATED MICRO-KERNELS` and `// END GENERATED MICRO-KERNELS` lines).

Each kernel keeps a tile of C in registers, `mr` rows by 1, 2 or 3 vectors of
`T.GEMMVector`, as named variables: Swift has no way to ask for a register-resident
array of vectors, and the optimiser keeps named SIMD variables in registers. The shape
is chosen per instruction set at compile time (see docs/kernels.md):

- AVX-512 (`DNN_VECTOR_BITS_512`) and NEON (`arch(arm64)`): 8 rows x 3 vectors = 24
  accumulators of the 32 vector registers (zmm, or q of 4 floats);
- AVX2 (`DNN_VECTOR_BITS_256`): 6 rows x 2 vectors = 12 accumulators of the 16 ymm
  registers, leaving 2 for B and 1 for the broadcast of A (BLIS's Haswell shape: 2 loads
  of B per 12 multiply-adds rather than 3);
- SSE (`DNN_VECTOR_BITS_128` on x86): 4 rows x 3 vectors = 12 accumulators of the 16
  xmm registers, leaving 3 for B and 1 for the broadcast of A.

Every shape shares this one template, so edit the template and run
`python3 tools/generate_gemm_kernels.py`.
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PATH = os.path.join(ROOT, "Sources", "DNN", "Tensor", "GEMM.swift")
# (condition, rows, vectors); None is the #else.
SHAPES = [("arch(arm64) || DNN_VECTOR_BITS_512", 8, 3), ("DNN_VECTOR_BITS_256", 6, 2), (None, 4, 3)]


def kernel(vectors, ROWS, full):
    name = "kernel" if vectors == full else f"kernel{vectors}"
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


def narrow(full):
    """The dispatch of a tile narrower than `full` vectors to its kernel."""
    def call(name):
        return [f"        {name}(depth: depth, a, rowStep: rowStep, depthStep: depthStep, rows: rows, b, ldb: ldb,",
                " " * (len(name) + 9) + "tile, ldt: ldt, alpha: alpha, beta: beta)"]
    lines = [
        "    /// The kernel of a tile `vectors` wide, fewer than `nrVectors` (the right edge of C).",
        "    @inline(__always)",
        "    private static func narrowKernel(vectors: Int, depth: Int, _ a: UnsafePointer<T>, rowStep: Int,",
        "                                     depthStep: Int, rows: Int, _ b: UnsafePointer<T>, ldb: Int,",
        "                                     _ tile: UnsafeMutablePointer<T>, ldt: Int, alpha: T, beta: T) {",
    ]
    if full == 2:
        lines += call("kernel1")
    else:
        lines += ["        if vectors == 1 {"] + ["    " + line for line in call("kernel1")]
        lines += ["        } else {"] + ["    " + line for line in call("kernel2")] + ["        }"]
    lines.append("    }")
    return lines


def shape(rows, vectors):
    lines = [
        f"    /// The micro-tile: {rows} rows x {vectors} vectors = {rows * vectors} accumulator registers.",
        f"    static var mr: Int {{ {rows} }}",
        f"    static var nrVectors: Int {{ {vectors} }}",
        "",
        f"    /// The {rows} x {vectors}-vector micro-kernel: `tile = alpha * (A · B) + beta * tile`, where A's",
        "    /// element (r, p) is `a[r·rowStep + p·depthStep]` and B's row p starts at `b + p·ldb`",
        "    /// (a packed panel, or B itself where it is read in place).",
        "    /// Rows at or beyond `rows` repeat row 0 (their results are discarded by the caller).",
        kernel(vectors, rows, vectors),
        "",
        "    /// The same with fewer vectors of columns, for the right edge of C.",
    ]
    for narrower in range(vectors - 1, 0, -1):
        lines += [kernel(narrower, rows, vectors), ""]
    return lines + narrow(vectors)


def main():
    source = open(PATH).read()
    lines = ["    // BEGIN GENERATED MICRO-KERNELS (tools/generate_gemm_kernels.py; edit the script, not this)"]
    for index, (condition, rows, vectors) in enumerate(SHAPES):
        lines.append(f"    #if {condition}" if index == 0 else (f"    #elseif {condition}" if condition else "    #else"))
        lines += shape(rows, vectors)
    lines += ["    #endif", "    // END GENERATED MICRO-KERNELS"]
    generated = "\n".join(lines)
    pattern = re.compile(r"    // BEGIN GENERATED MICRO-KERNELS.*?    // END GENERATED MICRO-KERNELS", re.S)
    if not pattern.search(source):
        raise SystemExit(f"{PATH}: no generated section markers")
    open(PATH, "w").write(pattern.sub(lambda _: generated, source))


if __name__ == "__main__":
    main()

#!/bin/sh
# Checks that the arm64 (NEON) GEMM micro-kernel shape keeps its accumulators in
# registers: compiles an equivalent C kernel for aarch64 and looks for stack loads and
# stores (sp-relative ldr/str/ldp/stp of q registers) in its inner loop.
#
# Why C: this Swift toolchain has no aarch64 standard library (`swiftc -target
# aarch64-unknown-linux-gnu` fails with "could not find module 'Swift' for target"), but
# its clang has arm_neon.h and the AArch64 backend, the same LLVM that compiles Swift's
# SIMD4<Float>.addProduct to fmla. The C kernel is the generated Swift kernel's loop
# (tools/generate_gemm_kernels.py) written with float32x4_t.
#
# Usage: tools/check_neon_kernel.sh [ROWS VECTORS QREGS_PER_VECTOR]
#   default 8 3 1: the shipped NEON shape (8 rows x 3 SIMD4 = 24 q accumulators).
#   8 3 4 is the old shape (3 SIMD16 per row = 96 q): it must spill, showing the check bites.
set -eu
ROWS=${1:-8}; VECTORS=${2:-3}; PARTS=${3:-1}
CLANG=${CLANG:-clang}
work=${KEEP_DIR:-$(mktemp -d)}; [ -n "${KEEP_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
python3 - "$ROWS" "$VECTORS" "$PARTS" > "$work/kernel.c" <<'PY'
import sys
rows, vectors, parts = map(int, sys.argv[1:])
acc = [f"c{r}_{v}_{p}" for r in range(rows) for v in range(vectors) for p in range(parts)]
nr = vectors * parts * 4
print("#include <arm_neon.h>")
print("void kernel(long depth, const float *a, long rowStep, long depthStep, const float *b, float *c, long ldc) {")
print("    " + "; ".join(f"float32x4_t {x} = vdupq_n_f32(0)" for x in acc) + ";")
print("    for (long p = 0, q = 0; p < depth; p++, q += depthStep, b += %d) {" % nr)
for v in range(vectors):
    for p in range(parts):
        print(f"        float32x4_t b{v}_{p} = vld1q_f32(b + {(v * parts + p) * 4});")
for r in range(rows):
    print(f"        float32x4_t x{r} = vdupq_n_f32(a[{r} * rowStep + q]);")
    for v in range(vectors):
        for p in range(parts):
            print(f"        c{r}_{v}_{p} = vfmaq_f32(c{r}_{v}_{p}, x{r}, b{v}_{p});")
print("    }")
for r in range(rows):
    for v in range(vectors):
        for p in range(parts):
            print(f"    vst1q_f32(c + {r} * ldc + {(v * parts + p) * 4}, c{r}_{v}_{p});")
print("}")
PY
"$CLANG" --target=aarch64-linux-gnu -O2 -ffreestanding -S "$work/kernel.c" -o "$work/kernel.s"
# The inner loop: from the first label that is a backward branch target to that branch.
loop=$(awk '
  /^\.LBB0_[0-9]+:/ { label = substr($1, 1, length($1) - 1); start[label] = NR }
  { line[NR] = $0 }
  /b\.(ne|gt|lt|hi|lo|ge|le|eq)[ \t]+\.LBB0_/ { target = $NF; if (target in start) { from = start[target]; to = NR } }
  END { for (i = from; i <= to; i++) print line[i] }' "$work/kernel.s")
fmla=$(printf '%s\n' "$loop" | grep -c 'fmla' || true)
spills=$(printf '%s\n' "$loop" | grep -Ec '(ldr|str|ldp|stp)[[:space:]]+q[0-9]+.*\[sp' || true)
echo "aarch64 ${ROWS} rows x ${VECTORS} vectors of ${PARTS} q: inner loop $(printf '%s\n' "$loop" | wc -l) lines, $fmla fmla, $spills sp-relative q loads/stores"
if [ "$fmla" -ne $((ROWS * VECTORS * PARTS)) ] || [ "$spills" -ne 0 ]; then
    echo "FAIL: the accumulators do not stay in registers" >&2
    exit 1
fi
echo "OK: every accumulator stays in a q register"

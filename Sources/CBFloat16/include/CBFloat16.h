// The bfloat16 matrix product of `precision: "bf16"`: operands rounded to bfloat16
// (nearest even), products summed in float32 with VDPBF16PS (AVX512_BF16). Swift
// cannot name that instruction, so this small C target holds it, compiled for it by
// function attribute only: the binary runs on any x86-64 and asks `cpuid` first.
// It also holds `dnn_prefetch`, the other instruction Swift cannot name, which the fp32
// GEMM's packing of B uses, and `dnn_multiply_add16`, a fused multiply-add of 16 floats.
#ifndef DNN_CBFLOAT16_H
#define DNN_CBFLOAT16_H

#include <stddef.h>

/// A row-major product `C[m, n] = alpha · op(A)[m, k] · op(B)[k, n] + beta · C`, as
/// Swift's `GEMMShape`: `transpose_a` means A is stored [k, m], `transpose_b` that B
/// is stored [n, k]; `lda`, `ldb`, `ldc` are the stored row strides.
typedef struct {
    long m, n, k;
    int transpose_a, transpose_b;
    long lda, ldb, ldc;
} dnn_bf16_shape;

/// 1 when this CPU runs VDPBF16PS and the OS keeps the 512-bit registers, else 0.
int dnn_bf16_supported(void);

/// Scratch bytes one thread needs for `dnn_bf16_gemm_block` at depth `k`.
size_t dnn_bf16_scratch_bytes(long k);

/// C[rows, columns] of the product on the calling thread, `scratch` holding at least
/// `dnn_bf16_scratch_bytes(k)` bytes, 64-byte aligned. `beta == 0` never reads C.
/// Only call it when `dnn_bf16_supported()`.
void dnn_bf16_gemm_block(const dnn_bf16_shape *shape, float alpha, const float *a, const float *b,
                         float beta, float *c, long row_begin, long row_end, long column_begin,
                         long column_end, void *scratch);

/// Rounds `count` floats to bfloat16 (nearest even) and back, in place: the operands
/// the product above really multiplies, for references and tests.
void dnn_bf16_round(float *values, long count);

/// `source` rounded as above into `target` (which may be `source`): one pass, no copy first.
void dnn_bf16_round_copy(const float *source, float *target, long count);

/// Asks for the cache line at `address` ahead of its use (PREFETCHT0); never faults, so
/// an address past the end of a buffer is harmless. Swift cannot name the instruction.
static inline void dnn_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// 16 floats, as Swift's SIMD16<Float>.
typedef float dnn_float16v __attribute__((ext_vector_type(16)));

/// `a·b + c` per lane with one rounding, for `Float.fusedExponential` and `errorFunction`
/// (VectorExponential.swift): one `vfmadd` where the target has FMA. Swift's own
/// `addingProduct` on a SIMD16 is a loop over the lanes until LLVM vectorises it, and
/// the optimizer weighs it so: built on it, the exp was called rather than inlined in
/// the cross-entropy's kernel (-5% for gpt_tiny).
static inline dnn_float16v dnn_multiply_add16(dnn_float16v a, dnn_float16v b, dnn_float16v c) {
    return __builtin_elementwise_fma(a, b, c);
}

#endif

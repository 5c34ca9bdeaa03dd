// The bfloat16 GEMM: the BLIS loops of Swift's `GEMM` (column blocks, depth blocks
// with B packed into panels, row panels of A, an MR x NR micro-kernel), with both
// operands packed as bfloat16 pairs. VDPBF16PS multiplies 16 pairs (k, k+1) of A by
// 16 pairs of B and adds both products to 16 float32 sums, so the packed layouts keep
// two consecutive depths side by side in one 32-bit word:
//   packed A: [depth pairs][MR]  (one word per row: broadcast to all 16 lanes)
//   packed B: [depth pairs][NR]  (one word per column: 3 vectors of 16 columns)
#include "CBFloat16.h"

#include <stdint.h>
#include <string.h>

/// Most depth (in scalars, even) of one block: a packed MR x KC slice of A is 8 KB.
#define MAX_KC 512
/// Rows and columns of the micro-tile (3 vectors of 16 float32 sums per row).
#define MR 8
#define NR 48
/// Bytes of a packed B block (KC/2 x NC words), kept in L2.
#define BLOCK_BUDGET (480 * 1024)

static long depth_of_blocks(long k) {
    long blocks = (k + MAX_KC - 1) / MAX_KC;
    long kc = (k + blocks - 1) / blocks;
    return (kc + 1) & ~1L;
}

static long columns_of_block(long kc) {
    long panels = BLOCK_BUDGET / ((kc / 2) * NR * 4);
    return (panels < 1 ? 1 : panels) * NR;
}

size_t dnn_bf16_scratch_bytes(long k) {
    long kc = depth_of_blocks(k < 2 ? 2 : k);
    return (size_t)(kc / 2) * (size_t)columns_of_block(kc) * 4 + (size_t)(kc / 2) * MR * 4;
}

/// Round to nearest even, as VCVTNEPS2BF16 does: denormals become signed zeros, NaN stays NaN.
static uint16_t bf16_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    if ((bits & 0x7f800000u) == 0) return (uint16_t)((bits >> 16) & 0x8000u);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static void round_portable(const float *source, float *target, long count) {
    for (long i = 0; i < count; i++) {
        uint32_t bits = (uint32_t)bf16_bits(source[i]) << 16;
        memcpy(&target[i], &bits, 4);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <cpuid.h>
#include <immintrin.h>

int dnn_bf16_supported(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xe6u) != 0xe6u) return 0;  // SSE, AVX, opmask and both halves of zmm saved
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned f_bw_vl = (1u << 16) | (1u << 30) | (1u << 31);
    if ((ebx & f_bw_vl) != f_bw_vl) return 0;
    if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return 0;
    return (eax & (1u << 5)) != 0;  // AVX512_BF16
}

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

/// Words (x[k] | x[k+1] << 16) of two rows of 16 floats: bfloat16 pairs for 16 columns.
BF16_TARGET static inline __m512i pair_words(__m512 even, __m512 odd) {
    __m512i low = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(even));
    __m512i high = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(odd));
    return _mm512_or_si512(low, _mm512_slli_epi32(high, 16));
}

/// Rounds 16 floats at a time with VCVTNEPS2BF16 itself.
BF16_TARGET static void round_vector(const float *source, float *target, long count) {
    for (long i = 0; i < count; i += 16) {
        __mmask16 mask = count - i >= 16 ? 0xffff : (__mmask16)((1u << (count - i)) - 1);
        __m512 x = _mm512_maskz_loadu_ps(mask, source + i);
        __m512i bits = _mm512_slli_epi32(_mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(x)), 16);
        _mm512_mask_storeu_ps(target + i, mask, _mm512_castsi512_ps(bits));
    }
}

void dnn_bf16_round_copy(const float *source, float *target, long count) {
    static int supported = -1;
    if (supported < 0) supported = dnn_bf16_supported();
    if (supported) round_vector(source, target, count); else round_portable(source, target, count);
}

void dnn_bf16_round(float *values, long count) { dnn_bf16_round_copy(values, values, count); }

/// 16 pairs of one contiguous run x[0..<count] (count ≤ 32; missing values are 0),
/// as 16 words in depth order.
BF16_TARGET static inline __m512i run_words(const float *x, long count) {
    __mmask16 low = count >= 16 ? 0xffff : (__mmask16)((1u << count) - 1);
    long rest = count - 16;
    __mmask16 high = rest >= 16 ? 0xffff : (rest <= 0 ? 0 : (__mmask16)((1u << rest) - 1));
    __m512 first = _mm512_maskz_loadu_ps(low, x);
    __m512 second = _mm512_maskz_loadu_ps(high, x + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(second, first);
}

/// Transposes a 16 x 16 matrix of 32-bit words held as 16 rows: `rows[j]` becomes column j.
BF16_TARGET static inline void transpose_words(__m512i rows[16]) {
    __m512i t[16];
    for (int i = 0; i < 16; i += 2) {  // pairs of rows interleaved word by word
        t[i] = _mm512_unpacklo_epi32(rows[i], rows[i + 1]);
        t[i + 1] = _mm512_unpackhi_epi32(rows[i], rows[i + 1]);
    }
    for (int i = 0; i < 16; i += 4) {  // each 128-bit lane: one column of 4 rows
        rows[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
        rows[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
        rows[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
        rows[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
    }
    for (int h = 0; h < 16; h += 8) {  // lanes of rows 0-3 with 4-7 (and 8-11 with 12-15)
        for (int i = 0; i < 4; i++) {
            t[h + i] = _mm512_shuffle_i32x4(rows[h + i], rows[h + i + 4], 0x88);
            t[h + i + 4] = _mm512_shuffle_i32x4(rows[h + i], rows[h + i + 4], 0xdd);
        }
    }
    for (int i = 0; i < 8; i++) {  // and the two halves: whole columns
        rows[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
        rows[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
    }
}

/// Packs depths `depth0..<depth0+depth` of the `width` columns from `column` of op(B)
/// into [depth/2][NR] words, zero right of `width` and past an odd depth.
BF16_TARGET static void pack_b(const dnn_bf16_shape *s, const float *b, long depth0, long column, long depth,
                               long width, uint32_t *packed) {
    long pairs = (depth + 1) / 2;
    if (width < NR) memset(packed, 0, (size_t)pairs * NR * 4);
    if (s->transpose_b) {
        // Column j of op(B) is row j of the stored B: its depths are contiguous.
        for (long j = 0; j < width; j += 16) {
            long count = width - j < 16 ? width - j : 16;
            for (long p = 0; p < pairs; p += 16) {
                __m512i words[16];
                for (long i = 0; i < 16; i++) {
                    words[i] = i < count ? run_words(b + (column + j + i) * s->ldb + depth0 + 2 * p, depth - 2 * p)
                                         : _mm512_setzero_si512();
                }
                transpose_words(words);
                for (long i = 0; i < 16 && p + i < pairs; i++) _mm512_storeu_si512(packed + (p + i) * NR + j, words[i]);
            }
        }
        return;
    }
    for (long p = 0; p < pairs; p++) {
        const float *even = b + (depth0 + 2 * p) * s->ldb + column;
        int has_odd = 2 * p + 1 < depth;
        for (long v = 0; v < 3 && 16 * v < width; v++) {
            long valid = width - 16 * v;
            __mmask16 mask = valid >= 16 ? 0xffff : (__mmask16)((1u << valid) - 1);
            __m512 x0 = _mm512_maskz_loadu_ps(mask, even + 16 * v);
            __m512 x1 = has_odd ? _mm512_maskz_loadu_ps(mask, even + s->ldb + 16 * v) : _mm512_setzero_ps();
            _mm512_storeu_si512(packed + p * NR + 16 * v, pair_words(x0, x1));
        }
    }
}

/// Packs rows `row..<row+height` (height ≤ MR) and depths `depth0..<depth0+depth` of
/// op(A) into [depth/2][MR] words, zero below `height` and past an odd depth.
BF16_TARGET static void pack_a(const dnn_bf16_shape *s, const float *a, long row, long height, long depth0,
                               long depth, uint32_t *packed) {
    long pairs = (depth + 1) / 2;
    if (s->transpose_a) {
        // A is stored [k, m]: the MR rows of one depth are contiguous.
        __mmask16 mask = (__mmask16)((1u << height) - 1);
        for (long p = 0; p < pairs; p++) {
            const float *even = a + (depth0 + 2 * p) * s->lda + row;
            __m512 x0 = _mm512_maskz_loadu_ps(mask, even);
            __m512 x1 = 2 * p + 1 < depth ? _mm512_maskz_loadu_ps(mask, even + s->lda) : _mm512_setzero_ps();
            _mm256_storeu_si256((__m256i *)(packed + p * MR), _mm512_castsi512_si256(pair_words(x0, x1)));
        }
        return;
    }
    for (long p = 0; p < pairs; p += 16) {
        __m512i words[16];
        for (long r = 0; r < 16; r++) {
            words[r] = r < height ? run_words(a + (row + r) * s->lda + depth0 + 2 * p, depth - 2 * p)
                                  : _mm512_setzero_si512();
        }
        transpose_words(words);
        for (long i = 0; i < 16 && p + i < pairs; i++) {
            _mm256_storeu_si256((__m256i *)(packed + (p + i) * MR), _mm512_castsi512_si256(words[i]));
        }
    }
}

/// `tile = alpha * sum + beta * tile` for 16 columns (the first `valid` of them).
BF16_TARGET static inline void store_sum(__m512 sum, float *tile, float alpha, float beta, __mmask16 valid) {
    __m512 result = alpha == 1.0f ? sum : _mm512_mul_ps(sum, _mm512_set1_ps(alpha));
    if (beta != 0.0f) result = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(valid, tile), result);
    _mm512_mask_storeu_ps(tile, valid, result);
}

/// The micro-kernel over `pairs` depth pairs for MR rows and `vectors` (1 to 3) vectors
/// of 16 columns; writes the first `height` rows and `width` columns of the tile at
/// `tile` (row stride `ldt`). Always inlined with constant `vectors`, so that each
/// variant keeps only its own sums in registers.
BF16_TARGET __attribute__((always_inline)) static inline void micro_kernel(
    long pairs, const uint32_t *pa, const uint32_t *pb, float *tile, long ldt, float alpha, float beta,
    long height, long width, const int vectors) {
    __m512 c[MR][3];
    for (int r = 0; r < MR; r++) {
        for (int v = 0; v < vectors; v++) c[r][v] = _mm512_setzero_ps();
    }
    for (long p = 0; p < pairs; p++) {
        __m512bh b[3];
        for (int v = 0; v < vectors; v++) b[v] = (__m512bh)_mm512_loadu_si512(pb + 16 * v);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512bh x = (__m512bh)_mm512_set1_epi32((int)pa[r]);
            for (int v = 0; v < vectors; v++) c[r][v] = _mm512_dpbf16_ps(c[r][v], x, b[v]);
        }
        pa += MR;
        pb += NR;
    }
    for (int r = 0; r < MR && r < height; r++) {
        for (int v = 0; v < vectors && 16 * v < width; v++) {
            long valid = width - 16 * v;
            __mmask16 mask = valid >= 16 ? 0xffff : (__mmask16)((1u << valid) - 1);
            store_sum(c[r][v], tile + r * ldt + 16 * v, alpha, beta, mask);
        }
    }
}

/// The full tile, the case the loops spend their time in (constant height and width).
BF16_TARGET static void full_tile(long pairs, const uint32_t *pa, const uint32_t *pb, float *tile, long ldt,
                                  float alpha, float beta) {
    micro_kernel(pairs, pa, pb, tile, ldt, alpha, beta, MR, NR, 3);
}

/// A tile at the bottom or right edge of C: only the vectors that hold columns of C.
BF16_TARGET static void edge_tile(long pairs, const uint32_t *pa, const uint32_t *pb, float *tile, long ldt,
                                  float alpha, float beta, long height, long width) {
    if (width <= 16) {
        micro_kernel(pairs, pa, pb, tile, ldt, alpha, beta, height, width, 1);
    } else if (width <= 32) {
        micro_kernel(pairs, pa, pb, tile, ldt, alpha, beta, height, width, 2);
    } else {
        micro_kernel(pairs, pa, pb, tile, ldt, alpha, beta, height, width, 3);
    }
}

BF16_TARGET void dnn_bf16_gemm_block(const dnn_bf16_shape *s, float alpha, const float *a, const float *b,
                                     float beta, float *c, long row_begin, long row_end, long column_begin,
                                     long column_end, void *scratch) {
    long kc = depth_of_blocks(s->k), nc = columns_of_block(kc);
    uint32_t *packed_b = (uint32_t *)scratch;
    uint32_t *packed_a = packed_b + (kc / 2) * nc;
    long columns = column_end - column_begin;
    // Equal column blocks of at most NC, in whole panels.
    long column_blocks = (columns + nc - 1) / nc;
    long block_width = ((columns + column_blocks - 1) / column_blocks + NR - 1) / NR * NR;
    for (long jc = column_begin; jc < column_end; jc += block_width) {
        long ncb = column_end - jc < block_width ? column_end - jc : block_width;
        long panels = (ncb + NR - 1) / NR;
        for (long pc = 0; pc < s->k; pc += kc) {
            long kcb = s->k - pc < kc ? s->k - pc : kc, pairs = (kcb + 1) / 2;
            float block_beta = pc == 0 ? beta : 1.0f;
            for (long panel = 0; panel < panels; panel++) {
                long width = ncb - panel * NR < NR ? ncb - panel * NR : NR;
                pack_b(s, b, pc, jc + panel * NR, kcb, width, packed_b + panel * pairs * NR);
            }
            for (long row = row_begin; row < row_end; row += MR) {
                long height = row_end - row < MR ? row_end - row : MR;
                pack_a(s, a, row, height, pc, kcb, packed_a);
                for (long panel = 0; panel < panels; panel++) {
                    long width = ncb - panel * NR < NR ? ncb - panel * NR : NR;
                    float *tile = c + row * s->ldc + jc + panel * NR;
                    const uint32_t *pb = packed_b + panel * pairs * NR;
                    if (height == MR && width == NR) {
                        full_tile(pairs, packed_a, pb, tile, s->ldc, alpha, block_beta);
                    } else {
                        edge_tile(pairs, packed_a, pb, tile, s->ldc, alpha, block_beta, height, width);
                    }
                }
            }
        }
    }
}

#else

int dnn_bf16_supported(void) { return 0; }

void dnn_bf16_round_copy(const float *source, float *target, long count) {
    round_portable(source, target, count);
}

void dnn_bf16_round(float *values, long count) { round_portable(values, values, count); }

void dnn_bf16_gemm_block(const dnn_bf16_shape *s, float alpha, const float *a, const float *b, float beta,
                         float *c, long row_begin, long row_end, long column_begin, long column_end,
                         void *scratch) {
    (void)s; (void)alpha; (void)a; (void)b; (void)beta; (void)c;
    (void)row_begin; (void)row_end; (void)column_begin; (void)column_end; (void)scratch;
}

#endif

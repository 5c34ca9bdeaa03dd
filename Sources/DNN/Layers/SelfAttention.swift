/// Multi-head self-attention, `nn.MultiheadAttention(F, heads, dropout, batch_first=True)`
/// called as `m(x, x, x, is_causal=causal, attn_mask=<causal mask>)[0]`.
///
/// Forward, on x [N, T, F] with d = F / heads:
///   qkv = x · in_proj_weightᵀ + in_proj_bias                 [N·T, 3F]  (one GEMM)
///   per sample n and head h: S = Q Kᵀ, P = softmax(S / √d)   [T, T]     (causal: j ≤ i)
///   P' = dropout(P) (training), O = P' V                       [T, d]     into attn [N·T, F]
///   y = attn · out_proj.weightᵀ + out_proj.bias               [N·T, F]   (one GEMM)
/// A head's S, P and their gradients are kept transposed, [keys, queries], as Sᵀ = K Qᵀ:
/// the softmax then runs down columns, 16 queries to a vector (`attentionSoftmax`).
/// Backward runs the same products transposed; `attentionSoftmaxBackward` turns dP into dS.
/// The per-head products run as one task per (sample, head), each a single-threaded GEMM
/// (`workers`), so every output is summed by one thread in a fixed order.
public final class SelfAttention<T: Scalar>: Layer {
    public let heads: Int
    public let causal: Bool
    public let dropout: Double
    public let positions: Int
    public let features: Int
    public var outputShape: [Int] { [positions, features] }
    /// [3F, F], [3F], [F, F], [F]: PyTorch's names and shapes.
    public let inProjectionWeight, inProjectionBias, outProjectionWeight, outProjectionBias: Parameter<T>

    private var input: Tensor<T>?                       // [N, T, F]
    private let qkv = Tensor<T>(shape: [0])             // [N·T, 3F]
    private let probabilities = Tensor<T>(shape: [0])   // [N, heads, T, T]: Pᵀ
    private let dropped = Tensor<T>(shape: [0])         // [N, heads, T, T]: P'ᵀ (with dropout)
    private let mask = Tensor<T>(shape: [0])            // [N, heads, T, T]: 0 or 1/(1-p), transposed like P
    private let attended = Tensor<T>(shape: [0])        // [N·T, F]: the heads' outputs side by side
    private let output = Tensor<T>(shape: [0])          // [N, T, F]
    private let attendedGradient = Tensor<T>(shape: [0])  // [N·T, F]
    private let qkvGradient = Tensor<T>(shape: [0])       // [N·T, 3F]
    private let inputGradient = Tensor<T>(shape: [0])     // [N, T, F]
    private let scoreGradient = Tensor<T>(shape: [0])     // [threads, T·T]: dPᵀ, then dSᵀ, of one head
    private let transposedHead = Tensor<T>(shape: [0])    // [threads, d·T]: Qᵀ (forward) or dOᵀ (backward) of one head
    private var usedDropout = false
    private var computesInputGradient = true
    /// One single-threaded compute context per thread, for the per-head products.
    private var workers: [Compute] = []

    private var headSize: Int { features / heads }
    private var scale: T { 1 / T(Double(headSize).squareRoot()) }

    /// The two projections (2·F·3F + 2·F·F per position, plus biases) and the per-head
    /// products (2·T·d twice per position and head), as `dnn inspect` counts them.
    public var forwardFLOPs: Int {
        positions * (8 * features * features + 4 * features) + 4 * positions * positions * features
    }

    public func skipInputGradient() { computesInputGradient = false }

    /// Weights as PyTorch's `_reset_parameters`: in_proj xavier_uniform_, both biases 0,
    /// out_proj.weight as `nn.Linear`'s (kaiming_uniform_(a=√5), U(±1/√F)).
    public init(heads: Int, causal: Bool, dropout: Double, shape: [Int], random: inout RandomGenerator) {
        self.heads = heads
        self.causal = causal
        self.dropout = dropout
        positions = shape[0]
        features = shape[1]
        let f = features
        let xavierBound = (6.0 / Double(f + 3 * f)).squareRoot()
        let inWeights = InitScheme.uniform(count: 3 * f * f, bound: xavierBound, random: &random)
        inProjectionWeight = Parameter(Tensor(shape: [3 * f, f], values: inWeights.map { T($0) }), regularized: false)
        inProjectionBias = Parameter(Tensor(shape: [3 * f]), regularized: false)
        let outWeights = InitScheme.uniform(count: f * f, bound: 1 / Double(f).squareRoot(), random: &random)
        outProjectionWeight = Parameter(Tensor(shape: [f, f], values: outWeights.map { T($0) }), regularized: false)
        outProjectionBias = Parameter(Tensor(shape: [f]), regularized: false)
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        [("in_proj_weight", .parameter(inProjectionWeight)), ("in_proj_bias", .parameter(inProjectionBias)),
         ("out_proj.weight", .parameter(outProjectionWeight)), ("out_proj.bias", .parameter(outProjectionBias))]
    }

    /// Runs `body(sample, head, worker)` for every pair, split over the threads in
    /// contiguous ranges; worker `w` runs its range with its own single-threaded compute
    /// context `workers[w]` and owns row `w` of `scoreGradient`.
    private func eachHead(_ n: Int, _ compute: Compute, _ body: (Int, Int, Int) -> Void) {
        while workers.count < compute.threads { workers.append(Compute(threads: 1)) }
        for worker in workers { worker.productPrecision = compute.productPrecision }
        let pairs = n * heads, chunks = Swift.max(1, Swift.min(compute.threads, pairs))
        compute.parallel(chunks) { chunk in
            for pair in (pairs * chunk / chunks)..<(pairs * (chunk + 1) / chunks) { body(pair / heads, pair % heads, chunk) }
        }
    }

    /// Rows per block of a causal score matrix: whole micro-tiles of the GEMM.
    private static var causalBlockRows: Int { 16 }

    /// Calls `body(lo, hi)` for the blocks of a head's T positions: one block 0..<T, or,
    /// when causal, blocks of `causalBlockRows`, where queries lo..<hi see keys 0..<hi
    /// only, and keys lo..<hi are seen by queries lo..<T only. The products over a block
    /// then skip the zeros past the diagonal, about 3/8 of them at T = 64, and sum the
    /// remaining terms in the same order as over the whole row.
    @inline(__always) private func rowBlocks(_ body: (Int, Int) -> Void) {
        let t = positions, size = causal ? Self.causalBlockRows : t
        var lo = 0
        while lo < t {
            body(lo, Swift.min(t, lo + size))
            lo += size
        }
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        input = x
        let n = x.batchSize, rows = n * positions, f = features, t = positions, d = headSize
        qkv.reshape(to: [rows, 3 * f])
        T.gemm(GEMMShape(m: rows, n: 3 * f, k: f, transposeB: true), alpha: 1, x.data, inProjectionWeight.value.data,
               beta: 0, qkv.data, context.compute)
        T.addRowVector(inProjectionBias.value.data, to: qkv.data, rows: rows, columns: 3 * f)
        probabilities.reshape(to: [n, heads, t, t])
        usedDropout = context.isTraining && dropout > 0
        if usedDropout {
            mask.reshape(to: probabilities.shape)
            dropped.reshape(to: probabilities.shape)
            // Drawn in P's order (query by query), then transposed like P.
            T.dropoutMask(dropped.data, units: dropped.count, unitSize: 1, p: dropout, random: &context.random)
            for block in 0..<(n * heads) {
                T.transpose(dropped.data + block * t * t, rows: t, columns: t, sourceStride: t,
                            into: mask.data + block * t * t, targetStride: t)
            }
        }
        attended.reshape(to: [rows, f])
        transposedHead.reshape(to: [context.compute.threads, d * t])
        let (q, p, pd, m, o, scale, causal) = (qkv.data, probabilities.data, dropped.data, mask.data, attended.data,
                                               scale, causal)
        let (dropping, transposed) = (usedDropout, transposedHead.data)
        // The per-head products' 1 and 0, converted once: a literal of the generic T inside
        // the loop is a witness call per product.
        let (one, zero): (T, T) = (1, 0)
        eachHead(n, context.compute) { sample, head, chunk in
            let worker = workers[chunk]
            let block = (sample * heads + head) * t * t
            let query = q + sample * t * 3 * f + head * d
            // Qᵀ [d, T] once per head, not packed again by each block's product.
            let queries = transposed + chunk * d * t
            T.transposeHead(query, rows: t, columns: d, sourceStride: 3 * f, into: queries)
            // Sᵀ [T, T] = K [T, d] · Qᵀ: keys lo..<hi against the queries that see them, lo..<T.
            rowBlocks { lo, hi in
                T.gemm(GEMMShape(m: hi - lo, n: t - lo, k: d, lda: 3 * f, ldb: t, ldc: t), alpha: one,
                       query + f + lo * 3 * f, queries + lo, beta: zero, p + block + lo * t + lo, worker)
            }
            T.attentionSoftmax(p + block, keys: t, queries: t, scale: scale, causal: causal)
            var weights = UnsafePointer(p + block)
            if dropping {
                T.multiply(p + block, m + block, pd + block, count: t * t, worker)
                weights = UnsafePointer(pd + block)
            }
            // O [T, d] = P' · V, P' read from P'ᵀ; queries lo..<hi have weights only on keys 0..<hi.
            rowBlocks { lo, hi in
                T.gemm(GEMMShape(m: hi - lo, n: d, k: hi, transposeA: true, lda: t, ldb: 3 * f, ldc: f), alpha: one,
                       weights + lo, query + 2 * f, beta: zero, o + (sample * t + lo) * f + head * d, worker)
            }
        }
        output.reshape(to: [n, t, f])
        T.gemm(GEMMShape(m: rows, n: f, k: f, transposeB: true), alpha: 1, attended.data,
               outProjectionWeight.value.data, beta: 0, output.data, context.compute)
        T.addRowVector(outProjectionBias.value.data, to: output.data, rows: rows, columns: f)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        guard let x = input else { preconditionFailure("SelfAttention.backward before forward") }
        let n = x.batchSize, rows = n * positions, f = features
        // dW_out [F, F] += dyᵀ · attn; db_out += Σ dy; dattn = dy · W_out
        T.gemm(GEMMShape(m: f, n: f, k: rows, transposeA: true), alpha: 1, dy.data, attended.data, beta: 1,
               outProjectionWeight.gradient.data, context.compute)
        T.accumulateColumnSums(dy.data, rows: rows, columns: f, into: outProjectionBias.gradient.data)
        attendedGradient.reshape(to: [rows, f])
        T.gemm(GEMMShape(m: rows, n: f, k: f), alpha: 1, dy.data, outProjectionWeight.value.data, beta: 0,
               attendedGradient.data, context.compute)
        qkvGradient.reshape(to: [rows, 3 * f])
        headsBackward(n, context.compute)
        T.gemm(GEMMShape(m: 3 * f, n: f, k: rows, transposeA: true), alpha: 1, qkvGradient.data, x.data, beta: 1,
               inProjectionWeight.gradient.data, context.compute)
        T.accumulateColumnSums(qkvGradient.data, rows: rows, columns: 3 * f, into: inProjectionBias.gradient.data)
        inputGradient.reshape(to: x.shape)
        if computesInputGradient {
            T.gemm(GEMMShape(m: rows, n: f, k: 3 * f), alpha: 1, qkvGradient.data, inProjectionWeight.value.data,
                   beta: 0, inputGradient.data, context.compute)
        }
        return inputGradient
    }

    /// dQ, dK, dV of every (sample, head) into `qkvGradient`, from `attendedGradient`.
    private func headsBackward(_ n: Int, _ compute: Compute) {
        let f = features, t = positions, d = headSize, scale = scale, dropping = usedDropout, causal = causal
        let (q, dq, p, pd, m, dattn) = (qkv.data, qkvGradient.data, probabilities.data, dropped.data, mask.data,
                                        attendedGradient.data)
        scoreGradient.reshape(to: [compute.threads, t * t])
        transposedHead.reshape(to: [compute.threads, d * t])
        let (scores, transposed) = (scoreGradient.data, transposedHead.data)
        let (one, zero): (T, T) = (1, 0)
        eachHead(n, compute) { sample, head, chunk in
            let worker = workers[chunk]
            let block = (sample * heads + head) * t * t
            let offset = sample * t * 3 * f + head * d
            let dOut = dattn + sample * t * f + head * d
            let dp = scores + chunk * t * t
            let weights = UnsafePointer(dropping ? pd + block : p + block)
            // dV [T, d] = P'ᵀ · dO: keys lo..<hi are seen by queries lo..<T only.
            rowBlocks { lo, hi in
                T.gemm(GEMMShape(m: hi - lo, n: d, k: t - lo, lda: t, ldb: f, ldc: 3 * f), alpha: one,
                       weights + lo * t + lo, dOut + lo * f, beta: zero, dq + offset + lo * 3 * f + 2 * f, worker)
            }
            // dP'ᵀ [T, T] = V · dOᵀ, where the softmax backward reads it: keys lo..<hi,
            // queries lo..<T (dOᵀ [d, T] transposed once per head).
            let gradients = transposed + chunk * d * t
            T.transposeHead(dOut, rows: t, columns: d, sourceStride: f, into: gradients)
            rowBlocks { lo, hi in
                T.gemm(GEMMShape(m: hi - lo, n: t - lo, k: d, lda: 3 * f, ldb: t, ldc: t), alpha: one,
                       q + offset + 2 * f + lo * 3 * f, gradients + lo, beta: zero, dp + lo * t + lo, worker)
            }
            if dropping { T.multiply(dp, m + block, dp, count: t * t, worker) }
            T.attentionSoftmaxBackward(p + block, dp, keys: t, queries: t, scale: scale, causal: causal)
            // dQ = dS · K (dS read from dSᵀ);  dK = dSᵀ · Q, each over the part of dS that is not 0.
            rowBlocks { lo, hi in
                T.gemm(GEMMShape(m: hi - lo, n: d, k: hi, transposeA: true, lda: t, ldb: 3 * f, ldc: 3 * f), alpha: one,
                       dp + lo, q + offset + f, beta: zero, dq + offset + lo * 3 * f, worker)
                T.gemm(GEMMShape(m: hi - lo, n: d, k: t - lo, lda: t, ldb: 3 * f, ldc: 3 * f),
                       alpha: one, dp + lo * t + lo, q + offset + lo * 3 * f, beta: zero, dq + offset + lo * 3 * f + f,
                       worker)
            }
        }
    }
}

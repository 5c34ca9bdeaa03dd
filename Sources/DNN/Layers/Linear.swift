/// A fully-connected layer, `nn.Linear(in, out, bias)`.
///
/// Forward: `y = x · Wᵀ + b` with x [N, in], W [out, in], b [out], y [N, out].
/// Backward: `dW += dyᵀ · x`, `db += Σₙ dy`, `dx = dy · W`.
/// On a sequence sample [T, in] it acts at every position, as PyTorch's on the last dim:
/// the N·T positions are the rows of the same products.
public final class Linear<T: Scalar>: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    /// T for a sequence sample [T, in], else nil.
    public let positions: Int?
    /// [out, in], as PyTorch stores it.
    public let weight: Parameter<T>
    /// [out], or nil without bias.
    public let bias: Parameter<T>?
    public var outputShape: [Int] { positions.map { [$0, outFeatures] } ?? [outFeatures] }
    /// False for the network's first layer, whose input is data (`skipInputGradient()`).
    public private(set) var computesInputGradient = true

    /// 2·in·out, plus out for the bias.
    public var forwardFLOPs: Int { (positions ?? 1) * (2 * inFeatures * outFeatures + (bias == nil ? 0 : outFeatures)) }

    public func skipInputGradient() { computesInputGradient = false }

    private var input: Tensor<T>?      // [N, in], the latest forward's x
    private let output = Tensor<T>(shape: [0])  // [N, out]
    private let inputGradient = Tensor<T>(shape: [0])  // [N, in]

    /// A layer with weights drawn by `initializer` from `random`.
    public init(inFeatures: Int, outFeatures: Int, positions: Int? = nil, bias: Bool = true,
                initializer: InitScheme = .he, random: inout RandomGenerator) {
        self.inFeatures = inFeatures
        self.positions = positions
        self.outFeatures = outFeatures
        let fan = InitScheme.Fans(fanIn: inFeatures, fanOut: outFeatures)
        weight = Parameter(initializer.weights(shape: [outFeatures, inFeatures], fans: fan, random: &random),
                           regularized: true)
        self.bias = bias
            ? Parameter(initializer.biases(count: outFeatures, fans: fan, random: &random), regularized: false)
            : nil
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        var entries: [(name: String, entry: StateEntry<T>)] = [("weight", .parameter(weight))]
        if let bias { entries.append(("bias", .parameter(bias))) }
        return entries
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = x.count / inFeatures
        input = x
        if let positions { output.reshape(to: [x.batchSize, positions, outFeatures]) } else {
            output.reshape(to: [n, outFeatures])
        }
        T.gemm(GEMMShape(m: n, n: outFeatures, k: inFeatures, transposeB: true),
               alpha: 1, x.data, weight.value.data, beta: 0, output.data, context.compute)
        if let bias { T.addRowVector(bias.value.data, to: output.data, rows: n, columns: outFeatures) }
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        let n = x.count / inFeatures
        // dW[out, in] += dyᵀ[out, N] · x[N, in]
        T.gemm(GEMMShape(m: outFeatures, n: inFeatures, k: n, transposeA: true),
               alpha: 1, dy.data, x.data, beta: 1, weight.gradient.data, context.compute)
        if let bias { T.accumulateColumnSums(dy.data, rows: n, columns: outFeatures, into: bias.gradient.data) }
        inputGradient.reshape(to: x.shape)
        if computesInputGradient {
            // dx[N, in] = dy[N, out] · W[out, in]
            T.gemm(GEMMShape(m: n, n: inFeatures, k: outFeatures),
                   alpha: 1, dy.data, weight.value.data, beta: 0, inputGradient.data, context.compute)
        }
        return inputGradient
    }
}

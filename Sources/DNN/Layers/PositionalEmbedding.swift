/// A learned position table added to a sequence, GPT-2's `wpe`: PyTorch's
/// `x + self.weight[:T]` with `weight = nn.Parameter` of shape [max_len, F] (state name
/// `N.weight`), initialised as `nn.Embedding`'s, N(0, 1).
///
/// Forward: `y[t, :] = x[t, :] + weight[t, :]` for t < T ≤ max_len.
/// Backward: `dx = dy`, `dweight[t, :] += Σₙ dy[n, t, :]`.
public final class PositionalEmbedding<T: Scalar>: Layer {
    public let maxLength: Int
    /// The sample's [T, F].
    public let outputShape: [Int]
    /// [max_len, F].
    public let weight: Parameter<T>

    private let output = Tensor<T>(shape: [0])          // [N, T, F]
    private let inputGradient = Tensor<T>(shape: [0])   // [N, T, F], an alias of dy

    public init(maxLength: Int, shape: [Int], random: inout RandomGenerator) {
        self.maxLength = maxLength
        outputShape = shape
        let values = (0..<(maxLength * shape[1])).map { _ in T(random.normal()) }
        weight = Parameter(Tensor(shape: [maxLength, shape[1]], values: values), regularized: false)
    }

    public var state: [(name: String, entry: StateEntry<T>)] { [("weight", .parameter(weight))] }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        output.reshape(to: x.shape)
        output.copy(from: x)
        let sample = x.sampleSize
        for n in 0..<x.batchSize {
            T.axpy(1, weight.value.data, output.data + n * sample, count: sample)
        }
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let sample = dy.sampleSize
        for n in 0..<dy.batchSize {
            T.axpy(1, dy.data + n * sample, weight.gradient.data, count: sample)
        }
        inputGradient.alias(of: dy, shape: dy.shape)
        return inputGradient
    }
}

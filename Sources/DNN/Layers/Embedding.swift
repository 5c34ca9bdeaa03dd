/// A lookup table of learned vectors, `nn.Embedding(vocab, dim)`: a sample of T token
/// ids (integers stored as floats) becomes T rows of the table.
///
/// Forward: `y[t, :] = weight[x[t], :]`, x [N, T], y [N, T, dim].
/// Backward: `dweight[x[t], :] += dy[t, :]`; ids have no gradient (dx is zero).
/// The weight starts as N(0, 1), PyTorch's default.
public final class Embedding<T: Scalar>: Layer {
    public let vocab: Int
    public let dim: Int
    public let positions: Int
    /// [vocab, dim], PyTorch's `weight`.
    public let weight: Parameter<T>
    public var outputShape: [Int] { [positions, dim] }

    private var input: Tensor<T>?       // [N, T] ids, the latest forward's x
    private let output = Tensor<T>(shape: [0])          // [N, T, dim]
    private let inputGradient = Tensor<T>(shape: [0])   // [N, T], zeros

    /// A lookup is a copy: one per output element.
    public var forwardFLOPs: Int { positions * dim }

    public init(vocab: Int, dim: Int, positions: Int, random: inout RandomGenerator) {
        self.vocab = vocab
        self.dim = dim
        self.positions = positions
        let values = (0..<(vocab * dim)).map { _ in T(random.normal()) }
        weight = Parameter(Tensor(shape: [vocab, dim], values: values), regularized: false)
    }

    public var state: [(name: String, entry: StateEntry<T>)] { [("weight", .parameter(weight))] }

    /// The index of the first value that is not an integer id in [0, vocab), if any: data
    /// is checked with this before training or evaluation, so a bad id is an error that
    /// names its place instead of a wrong row.
    public func firstInvalidId(_ ids: UnsafePointer<T>, count: Int) -> Int? {
        (0..<count).first { ids[$0] < 0 || ids[$0] >= T(vocab) || ids[$0] != ids[$0].rounded() }
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        input = x
        let rows = x.count
        output.reshape(to: [x.batchSize, positions, dim])
        T.embeddingGather(x.data, rows: rows, table: weight.value.data, vocab: vocab, dim: dim, into: output.data)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        guard let x = input else { preconditionFailure("Embedding.backward before forward") }
        T.embeddingScatter(dy.data, x.data, rows: x.count, vocab: vocab, dim: dim, into: weight.gradient.data)
        inputGradient.reshape(to: x.shape)
        inputGradient.zero()
        return inputGradient
    }
}

extension Sequential where T == Float {
    /// Checks that every input of `dataset` is a token id the first layer can look up,
    /// when that layer is an embedding (a no-op otherwise).
    /// - Throws: `DNNError.data` naming `file`, the sample, the position and the value.
    public func checkTokenIds(_ dataset: Dataset, file: String) throws {
        guard let embedding = layers.first as? Embedding<Float> else { return }
        let invalid = dataset.features.withUnsafeBufferPointer {
            embedding.firstInvalidId($0.baseAddress!, count: $0.count)
        }
        guard let index = invalid else { return }
        let positions = Swift.max(embedding.positions, 1)
        throw DNNError.data(file, "sample \(index / positions + 1), position \(index % positions): "
                            + "\(dataset.features[index]) is not a token id in [0, \(embedding.vocab))",
                            hint: "ids are integers below model.layers[0].vocab; raise vocab to cover them")
    }
}

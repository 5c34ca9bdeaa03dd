import Testing
@testable import DNN

/// What `ShardedOptimizer` rests on, without MPI: an optimizer step taken in chunks (each
/// rank its own) gives every element the bits of one whole step, and the ranks' chunks
/// cover the parameters exactly once.
@Suite struct ShardedStepTests {
    /// Parameters of awkward sizes (a chunk boundary falls inside them and between them),
    /// with gradients, as two copies.
    static func parameters(seed: UInt64) -> [NamedParameter<Float>] {
        var random = RandomGenerator(seed: seed)
        return [[7, 5], [3], [40], [1], [19, 2]].enumerated().map { index, shape in
            let count = shape.reduce(1, *)
            let parameter = Parameter(Tensor<Float>(shape: shape, values: (0..<count).map { _ in Self.uniform(&random) }),
                                      regularized: true)
            for i in 0..<count { parameter.gradient.data[i] = Self.uniform(&random) }
            return (name: "p\(index)", parameter: parameter)
        }
    }

    static func uniform(_ random: inout RandomGenerator) -> Float { Float(Int(random.next() % 2001) - 1000) / 500 }

    static let configs: [OptimizerConfig] = [
        .adam(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01),
        .adamw(lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01),
        .sgd(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001),
        .rmsprop(lr: 0.01, alpha: 0.99, eps: 1e-8, momentum: 0.5, weightDecay: 0.001),
    ]

    @Test(arguments: configs)
    func chunkedStepsGiveTheBitsOfWholeSteps(config: OptimizerConfig) {
        let whole = Self.parameters(seed: 5), chunked = Self.parameters(seed: 5)
        let a = config.makeOptimizer(for: whole), b = config.makeOptimizer(for: chunked)
        let count = whole.reduce(0) { $0 + $1.parameter.value.count }
        let compute = Compute(threads: 1)
        for step in 0..<3 {
            a.step(compute)
            for rank in 0..<3 {
                b.step(compute, elements: SharedGradients.chunk(rank, of: count, ranks: 3))
                // The three chunks stand for three ranks' parts of one step, which counts once.
                if rank < 2 { b.stepCount -= 1 }
            }
            for (x, y) in zip(whole, chunked) {
                #expect(Array(UnsafeBufferPointer(start: x.parameter.value.data, count: x.parameter.value.count)).map(\.bitPattern)
                        == Array(UnsafeBufferPointer(start: y.parameter.value.data, count: y.parameter.value.count)).map(\.bitPattern),
                        "step \(step)")
                #expect((0..<y.parameter.gradient.count).allSatisfy { y.parameter.gradient.data[$0] == 0 })
                for i in 0..<x.parameter.gradient.count {
                    x.parameter.gradient.data[i] = Float(i % 7) - 3
                    y.parameter.gradient.data[i] = Float(i % 7) - 3
                }
            }
        }
        for (x, y) in zip(a.state, b.state) {
            #expect(x.tensor.array.map(\.bitPattern) == y.tensor.array.map(\.bitPattern), "\(x.name)")
        }
    }

    @Test func chunksCoverEveryElementOnceOnWholeLines() {
        for count in [1, 15, 16, 17, 100, 537_354] {
            for ranks in 1...5 {
                let chunks = (0..<ranks).map { SharedGradients.chunk($0, of: count, ranks: ranks) }
                #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == count)
                #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
                #expect(chunks.dropLast().allSatisfy { $0.upperBound % 16 == 0 || $0.upperBound == count })
            }
        }
    }
}

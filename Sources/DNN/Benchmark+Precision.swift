import Foundation

extension Benchmark {
    /// Milliseconds of one forward and backward pass of `layers` on a random batch, in
    /// fp32 and in bf16, timed alternately (three rounds, the fastest of each) so that a
    /// busy machine slows both alike: what `precision: "auto"` decides on.
    ///
    /// The network is a copy built from its own generator, so the run's weights and random
    /// stream are untouched; the output gradient is all ones (the products, not the loss,
    /// are what the precision changes).
    public static func precisionTiming(layers: [LayerSpec], inputShape: [Int], batchSize: Int,
                                       threads: Int) throws -> PrecisionChoice.Timing {
        var random = RandomGenerator(seed: 5)
        let network: Sequential<Float> = try NetworkBuilder.build(layers, inputShape: inputShape, random: &random)
        network.skipInputGradient()
        let count = batchSize * inputShape.reduce(1, *)
        // Values in [0, 1): valid token ids (0) for an embedding, ordinary inputs otherwise.
        let input = Tensor<Float>(shape: [batchSize] + inputShape, values: (0..<count).map { _ in Float(random.uniform()) })
        let compute = Compute(threads: threads)
        let context = Context(mode: .training, random: random, compute: compute)
        let outputCount = batchSize * network.outputShape.reduce(1, *)
        let dy = Tensor<Float>(shape: [batchSize] + network.outputShape, values: [Float](repeating: 1, count: outputCount))
        func pass(_ precision: Precision) -> Double {
            compute.productPrecision = precision
            return fastest(seconds: 0, minimumRuns: 2) {
                _ = network.forward(input, context)
                _ = network.backward(dy, context)
            }
        }
        var fp32 = Double.infinity, bf16 = Double.infinity
        for _ in 0..<3 {
            fp32 = Swift.min(fp32, pass(.fp32))
            bf16 = Swift.min(bf16, pass(.bf16))
        }
        return PrecisionChoice.Timing(fp32: fp32 * 1000, bf16: bf16 * 1000)
    }
}

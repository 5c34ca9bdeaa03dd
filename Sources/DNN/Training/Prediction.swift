/// Class probabilities of a network for every sample of a dataset, in evaluation mode:
/// what `dnn predict` prints.
public enum Prediction {
    /// Softmax probabilities, [count][classCount], in the order of `features`.
    /// - Parameter features: normalised samples, [count, sample size].
    public static func probabilities(_ network: Sequential<Float>, features: [Float], count: Int, sampleShape: [Int],
                                     classCount: Int, batchSize: Int = 256, context: Context) -> [[Float]] {
        context.mode = .evaluation
        let sampleSize = sampleShape.reduce(1, *)
        let input = Tensor<Float>(shape: [Swift.min(batchSize, Swift.max(count, 1))] + sampleShape)
        var result: [[Float]] = []
        result.reserveCapacity(count)
        var start = 0
        while start < count {
            let rows = Swift.min(batchSize, count - start)
            input.reshape(to: [rows] + sampleShape)
            features.withUnsafeBufferPointer { source in
                input.data.update(from: source.baseAddress! + start * sampleSize, count: rows * sampleSize)
            }
            let logits = network.forward(input, context)
            for row in 0..<rows {
                let z = logits.data + row * classCount
                var maximum = z[0]
                for j in 1..<classCount { maximum = Swift.max(maximum, z[j]) }
                var exps = (0..<classCount).map { Float.exp(z[$0] - maximum) }
                let total = exps.reduce(0, +)
                for j in 0..<classCount { exps[j] /= total }
                result.append(exps)
            }
            start += rows
        }
        return result
    }

    /// The index of the largest probability (the first on ties, as `dnn eval` counts).
    public static func argmax(_ probabilities: [Float]) -> Int {
        var best = 0
        for j in probabilities.indices where probabilities[j] > probabilities[best] { best = j }
        return best
    }
}

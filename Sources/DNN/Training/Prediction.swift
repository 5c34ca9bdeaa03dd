/// What a network predicts for every sample of a dataset, in evaluation mode: class
/// probabilities, or regression values in the targets' original units; what `dnn predict` prints.
public enum Prediction {
    /// Softmax probabilities, [count][classCount], in the order of `features`.
    /// - Parameter features: normalised samples, [count, sample size].
    public static func probabilities(_ network: Sequential<Float>, features: [Float], count: Int, sampleShape: [Int],
                                     classCount: Int, batchSize: Int = 256, context: Context) -> [[Float]] {
        var result: [[Float]] = []
        result.reserveCapacity(count)
        forEachBatch(network, features: features, count: count, sampleShape: sampleShape, batchSize: batchSize,
                     context: context) { logits, rows in
            for row in 0..<rows {
                let z = logits.data + row * classCount
                var maximum = z[0]
                for j in 1..<classCount { maximum = Swift.max(maximum, z[j]) }
                var exps = (0..<classCount).map { Float.exp(z[$0] - maximum) }
                let total = exps.reduce(0, +)
                for j in 0..<classCount { exps[j] /= total }
                result.append(exps)
            }
        }
        return result
    }

    /// Regression predictions [count][targetCount] in the targets' original units: the
    /// network's outputs with `targetNormalization` undone (`z · std + mean`), in Float as
    /// the exported ONNX model computes them.
    public static func values(_ network: Sequential<Float>, features: [Float], count: Int, sampleShape: [Int],
                              targetCount: Int, targetNormalization: Normalization, batchSize: Int = 256,
                              context: Context) -> [[Float]] {
        let (scale, offset) = targetNormalization.inverse(columns: targetCount)
        var result: [[Float]] = []
        result.reserveCapacity(count)
        forEachBatch(network, features: features, count: count, sampleShape: sampleShape, batchSize: batchSize,
                     context: context) { output, rows in
            for row in 0..<rows {
                result.append((0..<targetCount).map { output.data[row * targetCount + $0] * Float(scale[$0]) + Float(offset[$0]) })
            }
        }
        return result
    }

    /// The network's outputs batch by batch: `body(output, rows in the batch)`.
    private static func forEachBatch(_ network: Sequential<Float>, features: [Float], count: Int, sampleShape: [Int],
                                     batchSize: Int, context: Context, _ body: (Tensor<Float>, Int) -> Void) {
        context.mode = .evaluation
        let sampleSize = sampleShape.reduce(1, *)
        let input = Tensor<Float>(shape: [Swift.min(batchSize, Swift.max(count, 1))] + sampleShape)
        var start = 0
        while start < count {
            let rows = Swift.min(batchSize, count - start)
            input.reshape(to: [rows] + sampleShape)
            features.withUnsafeBufferPointer { source in
                input.data.update(from: source.baseAddress! + start * sampleSize, count: rows * sampleSize)
            }
            body(network.forward(input, context), rows)
            start += rows
        }
    }

    /// The index of the largest probability (the first on ties, as `dnn eval` counts).
    public static func argmax(_ probabilities: [Float]) -> Int {
        var best = 0
        for j in probabilities.indices where probabilities[j] > probabilities[best] { best = j }
        return best
    }
}

/// Loss, accuracy and confusion matrix of a network on a dataset, in evaluation mode.
public struct Evaluation: Sendable {
    /// The loss over all samples: PyTorch's value of the config's loss on the whole set
    /// (with class weights, the weighted sum divided by the sum of the targets' weights).
    public var loss: Double
    /// Fraction of samples whose top class is the label.
    public var accuracy: Double
    public var samples: Int
    /// `confusion[label][predicted]` counts.
    public var confusion: [[Int]]

    /// The number `solver.monitor` names.
    public func value(of monitor: Monitor) -> Double {
        switch monitor {
        case .validationAccuracy: accuracy
        case .validationLoss: loss
        }
    }

    /// Accuracy per true class (nil for a class without samples).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { label, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[label]) / Double(total)
        }
    }

    /// Runs `network` over `dataset` in batches of `batchSize` in evaluation mode.
    public static func run(_ network: Sequential<Float>, on dataset: Dataset, classCount: Int, batchSize: Int = 256,
                           loss config: LossConfig = .crossEntropy, context: Context) -> Evaluation {
        let savedMode = context.mode
        context.mode = .evaluation
        defer { context.mode = savedMode }
        let loss = SoftmaxCrossEntropy<Float>(config)
        let batch = Batch(sampleShape: dataset.sampleShape, capacity: Swift.min(batchSize, dataset.count))
        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        var lossSum = 0.0, weightSum = 0.0
        var start = 0
        while start < dataset.count {
            let count = Swift.min(batchSize, dataset.count - start, batch.capacity)
            batch.fill(from: dataset, indices: start..<(start + count))
            let logits = network.forward(batch.input, context)
            let result = loss.forward(logits, labels: batch.labels, computeGradient: false)
            lossSum += result.loss * result.weightSum
            weightSum += result.weightSum
            for row in 0..<count {
                let scores = logits.data + row * classCount
                var best = 0
                for j in 1..<classCount where scores[j] > scores[best] { best = j }
                confusion[Int(batch.labels[row])][best] += 1
            }
            start += count
        }
        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
        let n = Swift.max(dataset.count, 1)
        return Evaluation(loss: lossSum / Swift.max(weightSum, .leastNonzeroMagnitude),
                          accuracy: Double(correct) / Double(n), samples: dataset.count, confusion: confusion)
    }
}

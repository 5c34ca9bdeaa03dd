/// Loss and accuracy (or, for regression, MAE, RMSE and R²) of a network on a dataset,
/// in evaluation mode.
public struct Evaluation: Sendable {
    /// The loss over all samples: PyTorch's value of the config's loss on the whole set
    /// (with class weights, the weighted sum divided by the sum of the targets' weights).
    /// For regression, on the targets as training sees them (standardised with
    /// `data.normalize_target`).
    public var loss: Double
    /// Fraction of samples whose top class is the label; 0 for regression.
    public var accuracy: Double
    public var samples: Int
    /// `confusion[label][predicted]` counts; empty for regression.
    public var confusion: [[Int]]
    /// The sum of the targets' weights (the samples, without class weights): what the
    /// loss is a mean over, so that parts of a set combine.
    public var weightSum = 0.0
    /// Regression errors in the targets' original units; nil for classification.
    public var regression: RegressionErrors?

    /// Accuracy per true class (nil for a class without samples).
    public var perClassAccuracy: [Double?] {
        confusion.enumerated().map { label, row in
            let total = row.reduce(0, +)
            return total == 0 ? nil : Double(row[label]) / Double(total)
        }
    }

    /// Runs `network` over `dataset` (or its `rows`) in batches of `batchSize` in evaluation mode.
    /// - Parameter targetNormalization: for regression, how the dataset's targets were
    ///   scaled, undone for the errors.
    public static func run(_ network: Sequential<Float>, on dataset: Dataset, rows: Range<Int>? = nil,
                           classCount: Int, batchSize: Int = 256, loss config: LossConfig = .crossEntropy,
                           targetNormalization: Normalization = .none, context: Context) -> Evaluation {
        let rows = rows ?? 0..<dataset.count
        if let kind = config.regressionKind, dataset.isRegression {
            return regression(network, on: dataset, rows: rows, kind: kind, batchSize: batchSize,
                              targetNormalization: targetNormalization, context: context)
        }
        let loss = SoftmaxCrossEntropy<Float>(config)
        var confusion = Array(repeating: Array(repeating: 0, count: classCount), count: classCount)
        var lossSum = 0.0, weightSum = 0.0
        let positions = dataset.labelsPerSample
        forEachBatch(network, on: dataset, rows: rows, batchSize: batchSize, context: context) { batch, logits, count in
            let result = loss.forward(logits, labels: batch.labels, computeGradient: false)
            lossSum += result.loss * result.weightSum
            weightSum += result.weightSum
            for row in 0..<(count * positions) {
                let scores = logits.data + row * classCount
                var best = 0
                for j in 1..<classCount where scores[j] > scores[best] { best = j }
                confusion[Int(batch.labels[row])][best] += 1
            }
        }
        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
        let n = Swift.max(rows.count * positions, 1)
        return Evaluation(loss: lossSum / Swift.max(weightSum, .leastNonzeroMagnitude),
                          accuracy: Double(correct) / Double(n), samples: rows.count, confusion: confusion,
                          weightSum: weightSum)
    }

    /// The regression loss over `rows` and the errors in original units.
    private static func regression(_ network: Sequential<Float>, on dataset: Dataset, rows: Range<Int>,
                                   kind: RegressionLossKind, batchSize: Int, targetNormalization: Normalization,
                                   context: Context) -> Evaluation {
        let loss = RegressionLoss<Float>(kind)
        let (scale, offset) = targetNormalization.inverse(columns: dataset.targetCount)
        var errors = RegressionErrors(columns: dataset.targetCount)
        var lossSum = 0.0
        forEachBatch(network, on: dataset, rows: rows, batchSize: batchSize, context: context) { batch, output, count in
            let target = UnsafePointer(batch.targetValues.data)
            lossSum += loss.forward(output, target: target, computeGradient: false) * Double(count)
            errors.add(prediction: output.data, target: target, rows: count, scale: scale, offset: offset)
        }
        let n = Double(rows.count)
        var evaluation = Evaluation(loss: lossSum / Swift.max(n, .leastNonzeroMagnitude), accuracy: 0,
                                    samples: rows.count, confusion: [], weightSum: n)
        evaluation.regression = errors
        return evaluation
    }

    /// The network's outputs on `rows` of `dataset`, batch by batch, in evaluation mode:
    /// `body(batch, output, rows in the batch)`.
    private static func forEachBatch(_ network: Sequential<Float>, on dataset: Dataset, rows: Range<Int>, batchSize: Int,
                                     context: Context, _ body: (Batch, Tensor<Float>, Int) -> Void) {
        let savedMode = context.mode
        context.mode = .evaluation
        defer { context.mode = savedMode }
        let batch = Batch(sampleShape: dataset.sampleShape, capacity: Swift.min(batchSize, rows.count),
                          targetCount: dataset.targetCount, labelsPerSample: dataset.labelsPerSample)
        var start = rows.lowerBound
        while start < rows.upperBound {
            let count = Swift.min(batchSize, rows.upperBound - start, batch.capacity)
            batch.fill(from: dataset, indices: start..<(start + count))
            body(batch, network.forward(batch.input, context), count)
            start += count
        }
    }
}

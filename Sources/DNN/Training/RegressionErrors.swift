/// MAE, RMSE and R² of predictions in the targets' original units, kept as sums so that
/// the parts of a set (batches, the ranks of a data-parallel run) add up exactly.
///
/// MAE and RMSE are over all N·D values; R² is per target column,
/// `1 - Σ(y - ŷ)² / Σ(y - ȳ)²` with `Σ(y - ȳ)² = Σy² - (Σy)²/N` from the summed
/// moments, averaged over the columns (scikit-learn's `r2_score` default
/// `multioutput="uniform_average"`; a constant column scores 1 if predicted exactly, else 0,
/// as scikit-learn does).
public struct RegressionErrors: Sendable, Equatable {
    /// Target columns.
    public let columns: Int
    /// Rows summed.
    public private(set) var rows = 0.0
    /// Σ|y - ŷ| over all values.
    public private(set) var absoluteSum = 0.0
    /// Per column: Σ(y - ŷ)², Σy, Σy².
    public private(set) var squaredSums: [Double]
    public private(set) var targetSums: [Double]
    public private(set) var targetSquareSums: [Double]

    public init(columns: Int) {
        self.columns = columns
        squaredSums = Array(repeating: 0, count: columns)
        targetSums = squaredSums
        targetSquareSums = squaredSums
    }

    /// Adds `rows` predictions and targets [rows, columns] given in training units, each
    /// value taken back to original units as `v · scale[j] + offset[j]`.
    public mutating func add(prediction: UnsafePointer<Float>, target: UnsafePointer<Float>, rows count: Int,
                             scale: [Double], offset: [Double]) {
        for row in 0..<count {
            for j in 0..<columns {
                let index = row * columns + j
                let y = Double(target[index]) * scale[j] + offset[j]
                let error = Double(prediction[index]) * scale[j] + offset[j] - y
                absoluteSum += abs(error)
                squaredSums[j] += error * error
                targetSums[j] += y
                targetSquareSums[j] += y * y
            }
        }
        rows += Double(count)
    }

    public var mae: Double { absoluteSum / Swift.max(rows * Double(columns), 1) }
    public var rmse: Double { (squaredSums.reduce(0, +) / Swift.max(rows * Double(columns), 1)).squareRoot() }
    public var r2: Double {
        guard columns > 0 else { return 0 }
        let scores = (0..<columns).map { j -> Double in
            let total = targetSquareSums[j] - targetSums[j] * targetSums[j] / Swift.max(rows, 1)
            guard total > 0 else { return squaredSums[j] == 0 ? 1 : 0 }
            return 1 - squaredSums[j] / total
        }
        return scores.reduce(0, +) / Double(columns)
    }

    /// Every sum in one list, for an allreduce; `init(sums:columns:)` reads it back.
    public var sums: [Double] { [rows, absoluteSum] + squaredSums + targetSums + targetSquareSums }

    /// The errors whose `sums` are `values` (e.g. summed over ranks).
    public init(sums values: [Double], columns: Int) {
        self.init(columns: columns)
        rows = values[0]
        absoluteSum = values[1]
        squaredSums = Array(values[(2)..<(2 + columns)])
        targetSums = Array(values[(2 + columns)..<(2 + 2 * columns)])
        targetSquareSums = Array(values[(2 + 2 * columns)..<(2 + 3 * columns)])
    }
}

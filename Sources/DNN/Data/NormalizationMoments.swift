extension Normalization {
    /// The statistics of `standardize`, gathered one row at a time: what a `data.shard`
    /// read needs, since it sees each training row once and keeps only its own.
    ///
    /// The means sum the rows in file order in Double, as `fit`'s first pass does, so they
    /// come out the same. The deviations are shifted sums, sum((x - k)^2) - n (mean - k)^2
    /// with k the first row's value: one pass, without the cancellation of sum(x^2) - n mean^2
    /// when values sit far from zero; within a few Double ulps of `fit`'s second pass.
    final class Moments {
        private(set) var rows = 0
        private var sums: [Double] = []
        private var squares: [Double] = []
        private var shift: [Double] = []

        init() {}

        /// Adds one row of values (every row must have the same width).
        func add(_ row: UnsafeBufferPointer<Float>) {
            if rows == 0 {
                shift = row.map(Double.init)
                sums = [Double](repeating: 0, count: row.count)
                squares = [Double](repeating: 0, count: row.count)
            }
            rows += 1
            sums.withUnsafeMutableBufferPointer { sums in
                squares.withUnsafeMutableBufferPointer { squares in
                    shift.withUnsafeBufferPointer { shift in
                        for j in 0..<min(row.count, sums.count) {
                            let x = Double(row[j])
                            sums[j] += x
                            let d = x - shift[j]
                            squares[j] += d * d
                        }
                    }
                }
            }
        }

        /// The normalisation of `kind` of the given columns, with `fit`'s rules: the
        /// population std, and 1 where it is below 1e-12.
        func normalization(kind: NormalizeKind, columns: [Int]) -> Normalization {
            switch kind {
            case .scale: return .scale
            case .standardize: break
            case .none, .channels: return .none
            }
            let n = Double(max(rows, 1))
            var mean: [Float] = [], std: [Float] = []
            for j in columns {
                let average = j < sums.count ? sums[j] / n : 0
                let offset = j < sums.count ? average - shift[j] : 0
                let variance = j < sums.count ? Swift.max(squares[j] / n - offset * offset, 0) : 0
                let deviation = rows > 0 ? variance.squareRoot() : 0
                mean.append(Float(average))
                std.append(deviation < 1e-12 ? 1 : Float(deviation))
            }
            return .standardize(mean: mean, std: std)
        }
    }
}

/// What a `TableEncoding` is fitted from, gathered one training row at a time (so a
/// `data.shard` read, which sees every row once and keeps only its own, fits the same
/// encoding as a whole-table read): per numeric column the count, sum and (for `median`
/// and `most_frequent`) the count of each distinct value; per categorical column the
/// count of each code; per column the missing cells.
final class EncodingStatistics {
    let columns: [RawColumn]
    let missing: MissingValues?
    private var present: [Int]
    private var sums: [Double]
    private var missingCounts: [Int]
    /// Distinct numeric values or category codes (-1: missing) with their counts.
    private var histograms: [[Float: Int]]
    private let needsHistograms: Bool

    init(columns: [RawColumn], missing: MissingValues?) {
        self.columns = columns
        self.missing = missing
        present = [Int](repeating: 0, count: columns.count)
        sums = [Double](repeating: 0, count: columns.count)
        missingCounts = [Int](repeating: 0, count: columns.count)
        histograms = [[Float: Int]](repeating: [:], count: columns.count)
        needsHistograms = missing.map { $0.strategy == .median || $0.strategy == .mostFrequent } ?? false
    }

    /// Adds one row of raw values (a code or a number per column, NaN or -1 when missing).
    func add(_ row: UnsafeBufferPointer<Float>) {
        for (index, column) in columns.enumerated() {
            let value = row[index]
            if column.categories != nil {
                histograms[index][value, default: 0] += 1
                if value < 0 { missingCounts[index] += 1 }
            } else if value.isNaN {
                missingCounts[index] += 1
            } else {
                present[index] += 1
                sums[index] += Double(value)
                if needsHistograms { histograms[index][value, default: 0] += 1 }
            }
        }
    }

    /// Adds every row of `table` (whose `rawColumns` are `columns`).
    func add(_ table: LabelledTable) {
        table.features.withUnsafeBufferPointer { values in
            for row in 0..<table.rows {
                add(UnsafeBufferPointer(rebasing: values[(row * table.featureCount)..<((row + 1) * table.featureCount)]))
            }
        }
    }

    /// The encoding these rows give.
    func encoding() -> TableEncoding {
        let indicator = missing?.indicator ?? false
        let encoded = columns.indices.map { index -> TableEncoding.Column in
            let column = columns[index]
            let hadMissing = missingCounts[index] > 0
            if let names = column.categories {
                let codes = histograms[index].keys.filter { $0 >= 0 }.map { Int($0) }
                let sorted = TableEncoding.sortedCategories(codes.map { names[$0] })
                return TableEncoding.Column(name: column.name, categories: sorted + (hadMissing ? [nil] : []), fill: 0,
                                            indicator: indicator && hadMissing)
            }
            return TableEncoding.Column(name: column.name, categories: nil, fill: fill(index),
                                        indicator: indicator && hadMissing)
        }
        return TableEncoding(columns: encoded, missingValues: missing?.values ?? [])
    }

    /// A numeric column's fill value by `missing.strategy`; 0 for a column without any
    /// present training value (scikit-learn's `keep_empty_features=True`).
    private func fill(_ index: Int) -> Float {
        guard let missing else { return 0 }
        if missing.strategy == .constant { return Float(missing.fill) }
        guard present[index] > 0 else { return 0 }
        switch missing.strategy {
        case .mean:
            return Float(sums[index] / Double(present[index]))
        case .median:
            let sorted = histograms[index].sorted { $0.key < $1.key }
            let count = present[index]
            func value(at position: Int) -> Double {
                var seen = 0
                for (value, times) in sorted {
                    seen += times
                    if position < seen { return Double(value) }
                }
                return Double(sorted.last!.key)
            }
            return count % 2 == 1 ? Float(value(at: count / 2))
                : Float((value(at: count / 2 - 1) + value(at: count / 2)) / 2)
        case .mostFrequent:
            // The most frequent, the smallest of equally frequent ones (scipy's mode).
            let best = histograms[index].max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }
            return best?.key ?? 0
        case .constant:
            return Float(missing.fill)
        }
    }
}

extension TableEncoding {
    /// Categories sorted as class labels are: numerically when all are numbers, else as text.
    static func sortedCategories(_ values: [String]) -> [String] {
        let numbers = values.map(ClassEncoding.numericValue)
        if !values.isEmpty, numbers.allSatisfy({ $0 != nil }) {
            return zip(values, numbers).sorted { a, b in a.1! < b.1! || (a.1! == b.1! && a.0 < b.0) }.map(\.0)
        }
        return values.sorted()
    }

    /// Fits the encoding on the training table (raw, as the CSV reader gives it).
    public static func fit(_ table: LabelledTable, missing: MissingValues?) -> TableEncoding {
        let columns = table.rawColumns ?? table.featureNames.map { RawColumn(name: $0, categories: nil) }
        let statistics = EncodingStatistics(columns: columns, missing: missing)
        statistics.add(table)
        return statistics.encoding()
    }
}

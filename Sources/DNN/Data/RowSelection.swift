/// Which rows of a data file a reader keeps in memory, and what it is shown of every row
/// as it passes: how a rank of `data.shard` reads a file of which it keeps a part.
///
/// Readers still check every row, so every rank meets the same bad row and says the same
/// thing; only the kept rows' features stay.
struct RowSelection {
    /// Whether each data row, in file order, is kept.
    var keep: [Bool]
    /// The first pass: no features at all, but every row's label and line.
    var labelsOnly = false
    /// Every row, however many the file has (`keep` unused): a whole file read streamed.
    var keepsAll = false
    /// Called with every row's features as read, kept or not, in file order (the raw
    /// values: what a normalisation's statistics are gathered from).
    var visit: ((Int, UnsafeBufferPointer<Float>) -> Void)?

    /// Keeps the rows whose entry in `keep` is true.
    init(keep: [Bool], visit: ((Int, UnsafeBufferPointer<Float>) -> Void)? = nil) {
        self.keep = keep
        self.visit = visit
    }

    /// The labels and lines of every row, without features.
    static var labels: RowSelection {
        var selection = RowSelection(keep: [])
        selection.labelsOnly = true
        return selection
    }

    /// Every row and its features.
    static var all: RowSelection {
        var selection = RowSelection(keep: [])
        selection.keepsAll = true
        return selection
    }

    /// How many of a file's `rows` rows are kept.
    func keptCount(of rows: Int) -> Int { keepsAll ? rows : keep.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// Whether row `row` (0-based, in file order) is kept.
    func keeps(_ row: Int) -> Bool { keepsAll || (!labelsOnly && row < keep.count && keep[row]) }

    /// Throws when the file no longer has the rows it had in the first pass.
    func checkRowCount(_ rows: Int, file: String) throws {
        guard labelsOnly || keepsAll || rows == keep.count else {
            throw DNNError.data(file, "changed while it was being read: \(grouped(keep.count)) data rows in the first pass, "
                                + "\(grouped(rows)) in the second")
        }
    }
}

extension LabelledTable {
    /// The rows of this whole table that `selection` keeps, each row's features shown to
    /// its `visit` first: how `data.shard` reads a source that is read whole (NumPy, CIFAR).
    /// With `labelsOnly`, every row's label and line without features.
    func selecting(_ selection: RowSelection, file: String) throws -> LabelledTable {
        if selection.labelsOnly {
            var table = LabelledTable(features: [], featureCount: 0, featureNames: [], labels: labels, rows: rows,
                                      lineNumbers: lineNumbers, sampleShape: [0])
            table.extraTargetNames = extraTargetNames
            table.classNames = classNames
            return table
        }
        try selection.checkRowCount(rows, file: file)
        if let visit = selection.visit {
            storage.forEachRow(width: featureCount, visit)
        }
        return selection.keepsAll ? self : select((0..<rows).filter(selection.keeps))
    }
}

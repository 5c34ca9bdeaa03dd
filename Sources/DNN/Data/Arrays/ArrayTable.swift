/// NumPy arrays as a table: `x` gives the samples and `y` their classes or targets, as the
/// contract's "NumPy arrays" says.
///
/// - x (N, F): flat samples of F features; (N,): one feature; (N, H, W): `[1, H, W]`
///   images; (N, C, H, W), (N, C, T) and more dimensions: taken as they are
///   (`model.input_shape` may reshape any of them, row-major).
/// - y (N,) or (N, 1): integers or strings are classes, floats are classes or regression
///   targets as the loss decides; (N, D): D regression targets.
enum ArrayTable {
    /// The table of `x` and `y` (nil: unlabelled, for `dnn predict`).
    ///
    /// - Parameters:
    ///   - classes: class names indexed by integer `y` values (an `.npz`'s `classes`, as
    ///     `dnn convert` writes it): the table's classes, in that order.
    ///   - featureNames: the names of F flat features (an `.npz`'s `features`), else `x0`, `x1`, ...
    ///   - targets: the names of y's columns, for regression (`y` when not given in the config).
    /// - Throws: `DNNError(.data)` naming the array for a shape that does not fit, text in x,
    ///   or a class index outside `classes`.
    static func table(x: NPYArray, y: NPYArray?, classes: NPYArray? = nil, featureNames: NPYArray? = nil,
                      targets: [String] = ["y"]) throws -> LabelledTable {
        guard let rows = x.shape.first else {
            throw DNNError(.data, at: x.location, "is a single value (shape ()); x needs one row per sample, shape (N, ...)")
        }
        let sample = Array(x.shape.dropFirst())
        let sampleShape = sample.isEmpty ? [1] : (sample.count == 2 ? [1] + sample : sample)
        let featureCount = sampleShape.reduce(1, *)
        var names = (0..<(sampleShape.count == 1 ? featureCount : 0)).map { "x\($0)" }
        if let featureNames, sampleShape.count == 1 {
            let given = try featureNames.texts()
            if featureNames.shape == [featureCount] { names = given }
        }
        var table = LabelledTable(features: [], featureCount: featureCount, featureNames: names, labels: nil,
                                  rows: rows, lineNumbers: (0..<rows).map { $0 + 1 }, sampleShape: sampleShape)
        table.storage = try x.featureStorage(width: featureCount)
        if sampleShape.count > 1 { table.featureNames = [] }
        guard let y else { return table }
        guard y.shape.first == rows, y.shape.count <= 2 else {
            throw DNNError(.data, at: y.location, "has shape \(y.header.shapeText), but x (\(x.location)) has \(rows) samples: "
                           + "y needs shape (\(rows),) or (\(rows), targets)")
        }
        let width = y.shape.count == 2 ? y.shape[1] : 1
        if width == 1 {
            table.labels = try labels(y, classes: classes)
            if let classes, y.dtype.isInteger { table.classNames = try classes.texts() }
            return table
        }
        try fillTargets(&table, y: y, width: width, targets: targets)
        return table
    }

    /// y's elements as label text; integer indices become `classes`' names when given.
    private static func labels(_ y: NPYArray, classes: NPYArray?) throws -> [String] {
        let texts = try y.texts()
        guard let classes, y.dtype.isInteger else { return texts }
        let names = try classes.texts()
        return try texts.enumerated().map { index, text in
            guard let value = Int(text), names.indices.contains(value) else {
                throw DNNError(.data, at: "\(y.location): element \(index)",
                               "holds class index \(text), but \(classes.location) names \(names.count) classes")
            }
            return names[value]
        }
    }

    /// Regression targets from a y of shape (N, width): the first column as the labels, the
    /// others as `extraTargets`, named by `targets`.
    private static func fillTargets(_ table: inout LabelledTable, y: NPYArray, width: Int, targets: [String]) throws {
        guard y.dtype.isNumeric else {
            throw DNNError(.data, at: y.location, "holds text in shape \(y.header.shapeText); classes need shape (N,)")
        }
        guard targets.count == width else {
            let suggested = (0..<width).map { "\"y\($0)\"" }.joined(separator: ", ")
            throw DNNError(.data, at: y.location, "has \(width) targets per sample (shape \(y.header.shapeText)), but the data source "
                           + "names \(targets.count) (\(targets.joined(separator: ", ")))",
                           hint: "give the source \"targets\": [\(suggested)], and the last layer out \(width)")
        }
        let values = try y.floats()
        table.labels = stride(from: 0, to: values.count, by: width).map { String(Double(values[$0])) }
        table.extraTargetNames = Array(targets.dropFirst())
        table.extraTargets = []
        table.extraTargets.reserveCapacity(table.rows * (width - 1))
        for row in 0..<table.rows { table.extraTargets += values[(row * width + 1)..<((row + 1) * width)] }
    }
}

/// How label text becomes a class index, following the contract: integer labels
/// 0..<C are used as they are; any other labels are sorted (numerically when all are
/// numbers, else as strings) and numbered in that order.
///
/// The encoding is inferred once from the training labels and stored with the model
/// (as `names`), so validation, test and `dnn eval` data are numbered the same way.
public struct ClassEncoding: Equatable, Sendable {
    /// `names[i]` is the name of class i; for numeric labels, the number's shortest text.
    public var names: [String]

    /// An encoding with the given class names (e.g. read back from a checkpoint).
    public init(names: [String]) {
        self.names = names
    }

    /// Infers the encoding from the training labels and the model's number of outputs.
    ///
    /// If every label is an integer (as text, e.g. "3" or "3.0") in 0..<classCount, the
    /// labels are used as they are and the names are "0"..."classCount-1". Otherwise the
    /// distinct labels are sorted (numerically if all parse as numbers, so "10" comes
    /// after "9", else by string) and numbered in that order.
    ///
    /// - Parameters:
    ///   - names: the classes in index order, when the data source defines them; used as they are.
    ///   - configPath: where the class count comes from, for the error
    ///     (e.g. "model.layers[5].out").
    /// - Throws: `DNNError.config(configPath, ...)` when the number of distinct labels
    ///   differs from `classCount`.
    public static func infer(labels: [String], classCount: Int, names: [String]? = nil, configPath: String) throws -> ClassEncoding {
        if let names {
            // The source names its classes in order (CIFAR, an .npz's classes): kept as they are.
            guard names.count == classCount else {
                throw DNNError.config(configPath, "the data names \(names.count) classes (\(list(names))) but the last layer outputs \(classCount)")
            }
            return ClassEncoding(names: names)
        }
        var distinct: [String] = []
        var seen = Set<String>()
        for label in labels where seen.insert(label).inserted { distinct.append(label) }
        let numbers = distinct.map(numericValue)

        if numbers.allSatisfy({ $0 != nil }) {
            let values = numbers.map { $0! }
            if values.allSatisfy({ $0 == $0.rounded() && $0 >= 0 && $0 < Double(classCount) }) {
                return ClassEncoding(names: (0..<classCount).map { String($0) })
            }
            let sorted = Set(values).sorted()
            try checkCount(sorted.map(numberName), classCount: classCount, configPath: configPath)
            return ClassEncoding(names: sorted.map(numberName))
        }
        let sorted = distinct.sorted()
        try checkCount(sorted, classCount: classCount, configPath: configPath)
        return ClassEncoding(names: sorted)
    }

    /// The class index of each label, for labels of any split.
    ///
    /// When every class name is a number, labels compare as numbers ("1", "1.0" and "01"
    /// are one class); otherwise as exact text.
    ///
    /// - Parameters:
    ///   - file: the labels' file, and `lineNumbers` their lines, for the error.
    /// - Throws: `DNNError.data(file, line:, ...)` for a label the encoding does not know.
    public func encode(_ labels: [String], file: String, lineNumbers: [Int]) throws -> [Int32] {
        let numericNames = names.map(ClassEncoding.numericValue)
        let isNumeric = !names.isEmpty && numericNames.allSatisfy { $0 != nil }
        var byNumber: [Double: Int32] = [:]
        var byText: [String: Int32] = [:]
        for (index, name) in names.enumerated() {
            byText[name] = Int32(index)
            if isNumeric, let value = numericNames[index] { byNumber[value] = Int32(index) }
        }
        var indices: [Int32] = []
        indices.reserveCapacity(labels.count)
        for (row, label) in labels.enumerated() {
            if let index = byText[label] {
                indices.append(index)
            } else if isNumeric, let value = ClassEncoding.numericValue(label), let index = byNumber[value] {
                // Cache the spelling, so a file of "1.0"s parses each distinct text once.
                byText[label] = index
                indices.append(index)
            } else {
                let known = ClassEncoding.list(names)
                throw DNNError.data(file, line: row < lineNumbers.count ? lineNumbers[row] : nil,
                                    "unknown class '\(label)' (known: \(known))")
            }
        }
        return indices
    }

    /// The label as a finite number, if it is one ("3", "3.0", "-1e2", "01").
    static func numericValue(_ label: String) -> Double? {
        guard let first = label.utf8.first,
              first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
              !label.contains(where: { $0 == "x" || $0 == "X" }),
              let value = Double(label), value.isFinite
        else { return nil }
        return value
    }

    /// A number's name: integers without a fraction ("3"), others in shortest form ("2.5").
    static func numberName(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Up to 20 names, comma-separated.
    static func list(_ names: [String]) -> String {
        names.count <= 20 ? names.joined(separator: ", ")
            : names.prefix(20).joined(separator: ", ") + ", ... (\(names.count) in all)"
    }

    private static func checkCount(_ names: [String], classCount: Int, configPath: String) throws {
        guard names.count != classCount else { return }
        throw DNNError.config(configPath, "the training labels have \(names.count) classes (\(list(names))) "
            + "but the last layer outputs \(classCount)")
    }
}

import Foundation

/// A text file as a byte-level language-modelling dataset (`{"format": "text"}`).
///
/// Row r is the window of T + 1 bytes starting at byte r · stride: its first T bytes are
/// the input (ids 0...255 as floats, shape [T]) and byte t + 1 is the target of position t
/// (`LabelledTable.positionLabels`, [rows, T]). With a validation fraction f, the last
/// round(f · bytes) bytes are the validation text, contiguous, and both parts are windowed
/// on their own, so no window straddles the two.
public enum TextWindows {
    /// The vocabulary: one id per byte value.
    public static let vocabulary = 256

    /// Reads `path` and windows it, splitting off the last `validation` fraction when given.
    /// - Throws: `DNNError` naming the file when it cannot be read, or a part holds fewer
    ///   than T + 1 bytes, or the windows would not fit in memory.
    public static func read(path: String, context: Int, stride: Int,
                            validation fraction: Double? = nil) throws -> (train: LabelledTable, validation: LabelledTable?) {
        let bytes = try FileBytes.read(path)
        guard let fraction else {
            return (try windows(bytes[...], context: context, stride: stride, file: path, part: "the file"), nil)
        }
        let held = Int((fraction * Double(bytes.count)).rounded())
        let split = bytes.count - held
        let train = try windows(bytes[..<split], context: context, stride: stride, file: path,
                                part: "the training part (the first \(split) bytes)")
        let validation = try windows(bytes[split...], context: context, stride: stride, file: path,
                                     part: "the validation part (the last \(held) bytes, data.validation.split)")
        return (train, validation)
    }

    /// The windows of a text as training reads them: ids as they are, a target per position.
    public static func dataset(_ table: consuming LabelledTable) -> Dataset {
        var dataset = Dataset(features: [], labels: table.positionLabels, sampleShape: table.sampleShape, count: table.rows)
        dataset.storage = table.takeStorage()
        dataset.labelsPerSample = table.featureCount
        return dataset
    }

    /// The dataset `dnn eval` scores a byte-level model on: `file` when given, else the
    /// config's test text, else its validation part (the same bytes training validated on).
    public static func evaluationData(_ config: Config, file: String?) throws -> (Dataset, String) {
        guard case let .text(path, context, stride) = config.data.train else {
            throw DNNError.config("data.train", "is not a text source")
        }
        if let file { return (dataset(try read(path: file, context: context, stride: stride).train), file) }
        if case let .text(testPath, _, _)? = config.data.test {
            return (dataset(try read(path: testPath, context: context, stride: stride).train), testPath)
        }
        guard case let .split(fraction, _)? = config.data.validation else {
            throw DNNError(.usage, at: "dnn eval", "the checkpoint's config has no test or validation text",
                           hint: "give a text file with --data")
        }
        let validation = try read(path: path, context: context, stride: stride, validation: fraction).validation
        return (dataset(validation!), path)
    }

    /// The windows of `bytes` as a table with per-position labels.
    static func windows(_ bytes: ArraySlice<UInt8>, context: Int, stride: Int, file: String,
                        part: String) throws -> LabelledTable {
        let length = bytes.count
        guard length > context else {
            throw DNNError.data(file, "\(part) holds \(length) bytes, fewer than context + 1 = \(context + 1)",
                                hint: "use a longer text or a smaller data.train.context")
        }
        let rows = (length - context - 1) / stride + 1
        let (values, overflow) = rows.multipliedReportingOverflow(by: context)
        let limit = Int(clamping: ProcessInfo.processInfo.physicalMemory) / 8
        guard !overflow, values <= limit else {
            throw DNNError.data(file, "\(rows) windows of \(context) bytes would need more than this machine's memory",
                                hint: "raise data.train.stride (the windows overlap when it is below the context)")
        }
        var features = [Float](repeating: 0, count: values)
        var labels = [Int32](repeating: 0, count: values)
        let start = bytes.startIndex
        for row in 0..<rows {
            let first = start + row * stride
            for t in 0..<context {
                features[row * context + t] = Float(bytes[first + t])
                labels[row * context + t] = Int32(bytes[first + t + 1])
            }
        }
        var table = LabelledTable(features: features, featureCount: context, featureNames: [], labels: nil, rows: rows,
                                  lineNumbers: Array(1...rows), sampleShape: [context])
        table.positionLabels = labels
        return table
    }
}

extension RawData {
    /// A text's datasets: ids as they are (no normalisation), targets at every position,
    /// and the 256 byte values as classes (so the network must end in 256 outputs).
    consuming func prepareText(outputCount: Int, configPath: String) throws -> PreparedData {
        guard outputCount == TextWindows.vocabulary else {
            throw DNNError.config(configPath, "a text source has 256 byte values, but the network predicts \(outputCount) "
                                  + "per position", hint: "end the model with {\"type\": \"linear\", \"out\": 256}")
        }
        let dataset = TextWindows.dataset
        return PreparedData(train: dataset(train.take()), validation: validation.map { dataset($0) },
                            test: test.map { dataset($0) }, inputShape: inputShape,
                            classes: ClassEncoding(names: (0..<TextWindows.vocabulary).map(String.init)),
                            normalization: .none)
    }
}

import Foundation

/// The binary CIFAR-10 and CIFAR-100 files (`data_batch_1.bin`, `train.bin`, ...): records
/// of label bytes (CIFAR-10: one; CIFAR-100: coarse, then fine) and 3,072 pixel bytes, the
/// red, green and blue planes of a 32 x 32 image, so a sample is `[3, 32, 32]` as stored.
///
/// The pixels are bytes on disk and turned into Floats here; a byte-backed dataset would
/// take each record's 3,072 bytes as they are.
enum CIFARReader {
    /// One image's pixel bytes.
    static let pixels = 3 * 32 * 32

    /// CIFAR-10 records from `files`, in order; class names from `batches.meta.txt` beside
    /// the first file when present, else the label numbers 0...9.
    static func readCIFAR10(files: [String]) throws -> LabelledTable {
        try read(files: files, labelBytes: 1, labelIndex: 0, classCount: 10, namesFile: "batches.meta.txt")
    }

    /// CIFAR-100 records, labelled by their fine (0...99) or coarse (0...19) class; names from
    /// `fine_label_names.txt` or `coarse_label_names.txt` beside the first file when present.
    static func readCIFAR100(files: [String], label: CIFARLabel) throws -> LabelledTable {
        try read(files: files, labelBytes: 2, labelIndex: label == .fine ? 1 : 0, classCount: label == .fine ? 100 : 20,
                 namesFile: "\(label.rawValue)_label_names.txt")
    }

    private static func read(files: [String], labelBytes: Int, labelIndex: Int, classCount: Int,
                             namesFile: String) throws -> LabelledTable {
        let names = try classNames(beside: files.first ?? "", file: namesFile, classCount: classCount)
        let record = labelBytes + pixels
        var regions: [ByteRegion] = []
        var rows = 0
        for file in files {
            let region = try ByteRegion.file(file)
            guard region.bytes.count % record == 0, region.bytes.count > 0 else {
                throw DNNError(.data, at: "\(file): byte \(region.bytes.count / record * record)",
                               "truncated CIFAR file: \(grouped(region.bytes.count)) bytes is not a whole number of "
                               + "\(grouped(record))-byte records (\(labelBytes) label byte\(labelBytes == 1 ? "" : "s") and 3,072 pixels)")
            }
            regions.append(region)
            rows += region.bytes.count / record
        }
        var features = [Float](repeating: 0, count: rows * pixels)
        var labels: [String] = [], lineNumbers: [Int] = []
        labels.reserveCapacity(rows)
        lineNumbers.reserveCapacity(rows)
        var row = 0
        for (file, region) in zip(files, regions) {
            let bytes = region.bytes
            for index in 0..<(bytes.count / record) {
                let start = index * record, label = Int(bytes[start + labelIndex])
                guard label < classCount else {
                    throw DNNError(.data, at: "\(file): byte \(start + labelIndex)", "label \(label) of record \(index + 1) is not in 0...\(classCount - 1)",
                                   hint: labelBytes == 1 ? "a CIFAR-100 file needs format cifar100" : "a CIFAR-10 file needs format cifar10")
                }
                labels.append(names?[label] ?? String(label))
                lineNumbers.append(index + 1)
                features.withUnsafeMutableBufferPointer { output in
                    for pixel in 0..<pixels { output[row * pixels + pixel] = Float(bytes[start + labelBytes + pixel]) }
                }
                row += 1
            }
        }
        var table = LabelledTable(features: features, featureCount: pixels, featureNames: [], labels: labels, rows: rows,
                                  lineNumbers: lineNumbers, sampleShape: [3, 32, 32])
        table.classNames = names
        return table
    }

    /// The class names in `file` beside `dataFile`, one per line (blank lines skipped), or
    /// nil when there is no such file.
    static func classNames(beside dataFile: String, file: String, classCount: Int) throws -> [String]? {
        let folder = (dataFile as NSString).deletingLastPathComponent
        let path = folder.isEmpty ? file : folder + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes = try FileBytes.read(path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DNNError(.data, at: path, "is not UTF-8 text")
        }
        let names = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard names.count == classCount, Set(names).count == classCount else {
            throw DNNError(.data, at: path, "holds \(names.count) names (\(Set(names).count) distinct), not the \(classCount) classes, one per line")
        }
        return names
    }
}

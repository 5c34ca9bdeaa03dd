/// Reads MNIST's IDX files: a 4-byte magic number (0, 0, data type, number of
/// dimensions), one big-endian 32-bit size per dimension, then the data.
///
/// Files may be raw or gzip-compressed, recognised by their first two bytes (1f 8b),
/// never by name. Only unsigned bytes (type 0x08) are read: images as [count, rows, cols],
/// labels as [count]. Errors name the file and the byte offset of the bad header field;
/// for gzip files, offsets count in the decompressed bytes.
public enum IDXReader {
    /// Reads an image file and its label file into one table.
    ///
    /// Features are the raw pixel bytes 0...255 as Float ([count, rows * cols]), the sample
    /// shape is [1, rows, cols], labels are the label bytes as text ("0"..."9"), feature
    /// names `pixel0`, `pixel1`, ... and `lineNumbers` the 1-based sample index (an IDX
    /// file has no lines; error messages about a label then name the sample).
    ///
    /// - Throws: `DNNError(.io)` when a file cannot be read; `DNNError(.data)` for a wrong
    ///   magic number, data type or dimension count, a zero dimension, truncated data or
    ///   bytes after the data, a corrupt gzip stream or one that inflates beyond
    ///   `Gzip.maximumDecompressedBytes`, or image and label counts that differ.
    public static func read(images: String, labels: String) throws -> LabelledTable {
        var table = try readImages(images)
        let labelTexts = try decodeLabels(try FileBytes.read(labels), file: labels)
        guard labelTexts.count == table.rows else {
            throw countMismatch(images: images, imageCount: table.rows, labels: labels, labelCount: labelTexts.count)
        }
        table.labels = labelTexts
        return table
    }

    /// The labels of a label file's contents (raw or gzip), as text "0"..."255".
    ///
    /// - Parameter file: named in errors.
    static func decodeLabels(_ contents: [UInt8], file: String) throws -> [String] {
        let labelBytes = try decompressed(contents, file: file)
        let labelDims = try header(labelBytes.bytes, file: file, expectedDims: 1, kind: "label",
                                   dimNames: ["label count"])
        try checkSize(labelBytes, file: file, headerSize: 8, dataSize: labelDims[0],
                      what: "\(grouped(labelDims[0])) labels")
        // Label bytes 0...255 as text, made once each.
        let names = (0...255).map { String($0) }
        return labelBytes.bytes[8...].map { names[Int($0)] }
    }

    /// Whether `path` holds IDX data (raw or gzip): it starts with the bytes 0, 0, 0x08
    /// (unsigned bytes). Used to tell IDX images from CSV text.
    public static func isIDX(_ path: String) throws -> Bool {
        let bytes = try decompressed(try FileBytes.read(path), file: path).bytes
        return bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08
    }

    /// Reads an image file alone (labels nil): what `dnn predict` needs.
    public static func readImages(_ images: String) throws -> LabelledTable {
        try decodeImages(try FileBytes.read(images), file: images)
    }

    /// The images of an image file's contents (raw or gzip), as `readImages` reads them.
    ///
    /// - Parameter images: the file, named in errors.
    static func decodeImages(_ contents: [UInt8], file images: String) throws -> LabelledTable {
        let imageBytes = try decompressed(contents, file: images)
        let imageDims = try header(imageBytes.bytes, file: images, expectedDims: 3, kind: "image",
                                   dimNames: ["image count", "row count", "column count"])
        let (count, rows, cols) = (imageDims[0], imageDims[1], imageDims[2])
        // Three sizes below 2^32 each: their products may overflow.
        let (imageSize, imageOverflow) = rows.multipliedReportingOverflow(by: cols)
        let (pixelCount, overflow) = count.multipliedReportingOverflow(by: imageSize)
        guard !imageOverflow, !overflow, pixelCount <= Int.max - 16 else {
            throw DNNError(.data, at: "\(images): byte 4", "\(grouped(count)) images of \(rows)x\(cols) are too many")
        }
        try checkSize(imageBytes, file: images, headerSize: 16, dataSize: pixelCount,
                      what: "\(grouped(count)) images of \(rows)x\(cols)")
        // [count, rows * cols]: the pixel bytes as they are.
        let features = [Float](unsafeUninitializedCapacity: pixelCount) { buffer, initialized in
            imageBytes.bytes.withUnsafeBufferPointer { source in
                let pixels = source.baseAddress! + 16
                for i in 0..<pixelCount { buffer[i] = Float(pixels[i]) }
            }
            initialized = pixelCount
        }
        return LabelledTable(features: features, featureCount: imageSize,
                             featureNames: (0..<imageSize).map { "pixel\($0)" }, labels: nil,
                             rows: count, lineNumbers: Array(1...count),
                             sampleShape: [1, rows, cols])
    }

    /// The labels of an image and label file pair, with no pixels (a table of zero
    /// features): the first pass of a `data.shard` read. The image file's header gives the
    /// count; its pixels are checked in the second pass.
    static func readLabels(images: String, labels: String) throws -> LabelledTable {
        let stream = try ByteStream(path: images)
        let (count, _, _) = try streamedHeader(stream, file: images)
        let labelTexts = try decodeLabels(try FileBytes.read(labels), file: labels)
        guard labelTexts.count == count else {
            throw countMismatch(images: images, imageCount: count, labels: labels, labelCount: labelTexts.count)
        }
        return LabelledTable(features: [], featureCount: 0, featureNames: [], labels: labelTexts, rows: count,
                             lineNumbers: Array(1...count), sampleShape: [0])
    }

    /// The images `selection` keeps, with their labels, as `read(images:labels:)` reads
    /// them but streamed: the whole image file is never in memory.
    static func read(images: String, labels: String, selection: RowSelection) throws -> LabelledTable {
        let labelTexts = try decodeLabels(try FileBytes.read(labels), file: labels)
        let stream = try ByteStream(path: images)
        let (count, rows, cols) = try streamedHeader(stream, file: images)
        guard labelTexts.count == count else {
            throw countMismatch(images: images, imageCount: count, labels: labels, labelCount: labelTexts.count)
        }
        try selection.checkRowCount(count, file: images)
        let imageSize = rows * cols, total = count * imageSize
        // Memory grows only with the bytes that arrive, never with what a header claims:
        // a damaged header must fail as truncated, not allocate its promise first.
        var features = [Float]()
        features.reserveCapacity(Swift.min(selection.keptCount(of: count) * imageSize, stream.sizeHint.map { Swift.max($0 - 16, 0) } ?? 0))
        var keptLabels: [String] = [], lineNumbers: [Int] = []
        var pixels = [UInt8](repeating: 0, count: Swift.min(1 << 20, total))
        // A dropped image being shown to `visit`, as far as it has arrived.
        var dropped = [Float]()
        var consumed = 0, row = 0, filled = 0
        while consumed < total {
            let want = Swift.min(pixels.count, total - consumed)
            let got = try pixels.withUnsafeMutableBytes {
                try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<want]))
            }
            if got < want {
                let note = stream.isCompressed ? " after decompression" : ""
                let actual = 16 + consumed + got
                throw DNNError(.data, at: "\(images): byte \(actual)",
                               "truncated: expected \(grouped(16 + total)) bytes for \(grouped(count)) images of "
                                   + "\(rows)x\(cols), file has \(grouped(actual))\(note)")
            }
            var offset = 0
            while offset < got {
                let take = Swift.min(imageSize - filled, got - offset), kept = selection.keeps(row)
                if kept {
                    appendPixels(pixels, from: offset, count: take, to: &features)
                } else if selection.visit != nil {
                    appendPixels(pixels, from: offset, count: take, to: &dropped)
                }
                filled += take
                offset += take
                guard filled == imageSize else { continue }
                if kept {
                    features.withUnsafeBufferPointer { selection.visit?(row, UnsafeBufferPointer(rebasing: $0[($0.count - imageSize)...])) }
                    keptLabels.append(labelTexts[row])
                    lineNumbers.append(row + 1)
                } else if let visit = selection.visit {
                    dropped.withUnsafeBufferPointer { visit(row, $0) }
                    dropped.removeAll(keepingCapacity: true)
                }
                row += 1
                filled = 0
            }
            consumed += got
        }
        try checkEnd(of: stream, buffer: &pixels, file: images, count: count, rows: rows, cols: cols)
        return LabelledTable(features: features, featureCount: imageSize, featureNames: (0..<imageSize).map { "pixel\($0)" },
                             labels: keptLabels, rows: lineNumbers.count, lineNumbers: lineNumbers,
                             sampleShape: [1, rows, cols])
    }

    /// Reads what is left of `stream` (into `buffer`, a scratch buffer) and throws when
    /// anything follows the `count` images of `rows` x `cols` the header announced.
    private static func checkEnd(of stream: ByteStream, buffer: inout [UInt8], file images: String,
                                 count: Int, rows: Int, cols: Int) throws {
        var extra = 0
        while true {
            let got = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if got == 0 { break }
            extra += got
        }
        guard extra > 0 else { return }
        let expected = 16 + count * rows * cols, note = stream.isCompressed ? " after decompression" : ""
        throw DNNError(.data, at: "\(images): byte \(expected)",
                       "\(grouped(extra)) unexpected bytes after the data: expected \(grouped(expected)) bytes for "
                           + "\(grouped(count)) images of \(rows)x\(cols), file has \(grouped(expected + extra))\(note)")
    }

    /// An image file and a label file of different counts.
    private static func countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int) -> DNNError {
        DNNError(.data, at: images, "the image file holds \(grouped(imageCount)) images but the label file "
                 + "\(labels) holds \(grouped(labelCount)) labels")
    }

    /// `pixels[from..<from + count]` as Floats at the end of `values`.
    private static func appendPixels(_ pixels: [UInt8], from start: Int, count: Int, to values: inout [Float]) {
        let end = values.count
        values.append(contentsOf: repeatElement(0, count: count))
        values.withUnsafeMutableBufferPointer { target in
            pixels.withUnsafeBufferPointer { source in
                for i in 0..<count { target[end + i] = Float(source[start + i]) }
            }
        }
    }

    /// The image count, rows and columns from the first 16 bytes of `stream`, checked as
    /// `decodeImages` checks them.
    private static func streamedHeader(_ stream: ByteStream, file: String) throws -> (Int, Int, Int) {
        var head = [UInt8](repeating: 0, count: 16)
        let got = try head.withUnsafeMutableBytes { try stream.read(into: $0) }
        head.removeSubrange(got...)
        let dims = try header(head, file: file, expectedDims: 3, kind: "image",
                              dimNames: ["image count", "row count", "column count"])
        let (imageSize, imageOverflow) = dims[1].multipliedReportingOverflow(by: dims[2])
        let (pixelCount, overflow) = dims[0].multipliedReportingOverflow(by: imageSize)
        guard !imageOverflow, !overflow, pixelCount <= Int.max - 16 else {
            throw DNNError(.data, at: "\(file): byte 4", "\(grouped(dims[0])) images of \(dims[1])x\(dims[2]) are too many")
        }
        return (dims[0], dims[1], dims[2])
    }

    /// A file's bytes, decompressed when gzip.
    private static func decompressed(_ raw: [UInt8], file: String) throws -> (bytes: [UInt8], compressed: Bool) {
        if Gzip.isCompressed(raw) { return (try Gzip.decompress(raw, file: file), true) }
        return (raw, false)
    }

    /// Checks the magic number and returns the dimensions, each at least 1.
    private static func header(_ bytes: [UInt8], file: String, expectedDims: Int, kind: String,
                               dimNames: [String]) throws -> [Int] {
        let expectedMagic = 0x0800 | UInt32(expectedDims)
        let expected = "0x" + hex(expectedMagic, digits: 8)
        guard bytes.count >= 4 else {
            throw DNNError(.data, at: "\(file): byte 0",
                           "the file has \(bytes.count) bytes, too short for an IDX \(kind) file "
                               + "(expected the magic number \(expected))")
        }
        let magic = readBigEndian(bytes, at: 0)
        let shown = "0x" + hex(magic, digits: 8)
        if bytes[0] != 0 || bytes[1] != 0 {
            throw DNNError(.data, at: "\(file): byte 0",
                           "magic number \(shown) is not an IDX file (expected \(expected) for an IDX \(kind) file)")
        }
        if bytes[2] != 0x08 {
            throw DNNError(.data, at: "\(file): byte 2",
                           "data type 0x\(hex(UInt32(bytes[2]), digits: 2)) (\(typeName(bytes[2]))) is not supported "
                               + "(expected 0x08, unsigned bytes)")
        }
        if Int(bytes[3]) != expectedDims {
            let plural = expectedDims == 1 ? "dimension" : "dimensions"
            throw DNNError(.data, at: "\(file): byte 0",
                           "magic number \(shown) is not an IDX \(kind) file (expected \(expected): unsigned bytes "
                               + "in \(expectedDims) \(plural), found \(bytes[3]))")
        }
        let headerSize = 4 + 4 * expectedDims
        guard bytes.count >= headerSize else {
            throw DNNError(.data, at: "\(file): byte \(bytes.count)",
                           "the file ends inside its header (\(bytes.count) of \(headerSize) bytes)")
        }
        var dims: [Int] = []
        for (index, name) in dimNames.enumerated() {
            let offset = 4 + 4 * index
            let value = Int(readBigEndian(bytes, at: offset))
            guard value > 0 else { throw DNNError(.data, at: "\(file): byte \(offset)", "the \(name) is 0") }
            dims.append(value)
        }
        return dims
    }

    /// Checks that the file holds exactly the header and `dataSize` bytes of data.
    private static func checkSize(_ file: (bytes: [UInt8], compressed: Bool), file path: String, headerSize: Int,
                                  dataSize: Int, what: String) throws {
        let expected = headerSize + dataSize
        let actual = file.bytes.count
        let note = file.compressed ? " after decompression" : ""
        if actual < expected {
            throw DNNError(.data, at: "\(path): byte \(actual)",
                           "truncated: expected \(grouped(expected)) bytes for \(what), file has \(grouped(actual))\(note)")
        }
        if actual > expected {
            throw DNNError(.data, at: "\(path): byte \(expected)",
                           "\(grouped(actual - expected)) unexpected bytes after the data: expected \(grouped(expected)) "
                               + "bytes for \(what), file has \(grouped(actual))\(note)")
        }
    }

    private static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// The IDX data type codes.
    private static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: "unsigned byte"
        case 0x09: "signed byte"
        case 0x0B: "short"
        case 0x0C: "int"
        case 0x0D: "float"
        case 0x0E: "double"
        default: "unknown type"
        }
    }
}

/// `n` with thousands separators: 7840016 → "7,840,016" (independent of the locale).
func grouped(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
        result.append(digit)
    }
    return n < 0 ? "-" + result : result
}

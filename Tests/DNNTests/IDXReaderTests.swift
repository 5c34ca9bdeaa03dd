import CZlib
import Foundation
import Testing
@testable import DNN

/// IDXReader on small hand-made files, raw and gzip, each header error at its byte
/// offset, and the real MNIST test set when `../shared` has it.
@Suite struct IDXReaderTests {
    /// An IDX file: the magic number (0, 0, type, dims), big-endian sizes, then `data`.
    static func idx(type: UInt8 = 0x08, dims: [Int], data: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
        for dim in dims {
            bytes += [UInt8(dim >> 24 & 0xFF), UInt8(dim >> 16 & 0xFF), UInt8(dim >> 8 & 0xFF), UInt8(dim & 0xFF)]
        }
        return bytes + data
    }

    /// Three 2x3 images with pixel values 0...17, and their labels 7, 0, 9.
    static let images = idx(dims: [3, 2, 3], data: (0..<18).map { UInt8($0 * 15) })
    static let labels = idx(dims: [3], data: [7, 0, 9])

    /// gzip bytes made with zlib's deflate (windowBits 16 + 15 writes the gzip wrapper).
    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        _ = deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                          zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
        var input = bytes
        let produced = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                _ = deflate(&stream, Z_FINISH)
                return target.count - Int(stream.avail_out)
            }
        }
        return Array(output[..<produced])
    }

    func check(_ table: LabelledTable) {
        #expect(table.rows == 3)
        #expect(table.featureCount == 6)
        #expect(table.sampleShape == [1, 2, 3])
        #expect(table.features == (0..<18).map { Float($0 * 15) })
        #expect(table.labels == ["7", "0", "9"])
        #expect(table.featureNames == ["pixel0", "pixel1", "pixel2", "pixel3", "pixel4", "pixel5"])
        #expect(table.lineNumbers == [1, 2, 3])
    }

    @Test func readsRawFiles() throws {
        let folder = try DataTestFolder()
        let images = try folder.write("images", bytes: Self.images)
        let labels = try folder.write("labels", bytes: Self.labels)
        check(try IDXReader.read(images: images, labels: labels))
    }

    @Test func readsGzipByMagicNotByName() throws {
        let folder = try DataTestFolder()
        let images = try folder.write("images.idx", bytes: Self.gzip(Self.images))
        let labels = try folder.write("labels.gz", bytes: Self.labels)
        check(try IDXReader.read(images: images, labels: labels))
        // Concatenated gzip members decompress as one stream.
        let half = Self.images.count / 2
        let split = Self.gzip(Array(Self.images[..<half])) + Self.gzip(Array(Self.images[half...]))
        let splitImages = try folder.write("split.gz", bytes: split)
        check(try IDXReader.read(images: splitImages, labels: labels))
    }

    @Test func wrongMagicTypeAndDimensions() throws {
        let folder = try DataTestFolder()
        let images = try folder.write("images", bytes: Self.images)
        let labels = try folder.write("labels", bytes: Self.labels)
        // The files swapped.
        let error = try #require(dataTestError { try IDXReader.read(images: labels, labels: images) })
        #expect(error.kind == .data)
        #expect(error.location == "\(labels): byte 0")
        #expect(error.message.hasPrefix("magic number 0x00000801 is not an IDX image file (expected 0x00000803"))

        let floats = try folder.write("floats", bytes: Self.idx(type: 0x0D, dims: [3, 2, 3], data: []))
        let error2 = try #require(dataTestError { try IDXReader.read(images: floats, labels: labels) })
        #expect(error2.location == "\(floats): byte 2")
        #expect(error2.message.contains("data type 0x0D (float)"))

        let text = try folder.write("text", "hello world, not idx")
        let error3 = try #require(dataTestError { try IDXReader.read(images: text, labels: labels) })
        #expect(error3.location == "\(text): byte 0")
        #expect(error3.message.hasPrefix("magic number 0x68656C6C is not an IDX file"))

        let zeroRows = try folder.write("zero", bytes: Self.idx(dims: [3, 0, 3], data: []))
        let error4 = try #require(dataTestError { try IDXReader.read(images: zeroRows, labels: labels) })
        #expect(error4.location == "\(zeroRows): byte 8")
        #expect(error4.message == "the row count is 0")

        let huge = try folder.write("huge", bytes: Self.idx(dims: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: []))
        let error6 = try #require(dataTestError { try IDXReader.read(images: huge, labels: labels) })
        #expect(error6.location == "\(huge): byte 4")

        let short = try folder.write("short", bytes: [0, 0, 8, 3, 0, 0])
        let error5 = try #require(dataTestError { try IDXReader.read(images: short, labels: labels) })
        #expect(error5.location == "\(short): byte 6")
    }

    @Test func truncatedAndTrailingData() throws {
        let folder = try DataTestFolder()
        let labels = try folder.write("labels", bytes: Self.labels)
        let truncated = try folder.write("truncated", bytes: Array(Self.images.dropLast(4)))
        let error = try #require(dataTestError { try IDXReader.read(images: truncated, labels: labels) })
        #expect(error.location == "\(truncated): byte 30")
        #expect(error.message == "truncated: expected 34 bytes for 3 images of 2x3, file has 30")

        let gzipped = try folder.write("truncated.gz", bytes: Self.gzip(Array(Self.images.dropLast(4))))
        let error2 = try #require(dataTestError { try IDXReader.read(images: gzipped, labels: labels) })
        #expect(error2.message == "truncated: expected 34 bytes for 3 images of 2x3, file has 30 after decompression")

        let trailing = try folder.write("trailing", bytes: Self.images + [1, 2])
        let error3 = try #require(dataTestError { try IDXReader.read(images: trailing, labels: labels) })
        #expect(error3.location == "\(trailing): byte 34")
        #expect(error3.message.hasPrefix("2 unexpected bytes after the data"))
    }

    @Test func countMismatchNamesBothFiles() throws {
        let folder = try DataTestFolder()
        let images = try folder.write("images", bytes: Self.images)
        let labels = try folder.write("labels", bytes: Self.idx(dims: [2], data: [1, 2]))
        let error = try #require(dataTestError { try IDXReader.read(images: images, labels: labels) })
        #expect(error.kind == .data)
        #expect(error.location == images)
        #expect(error.message == "the image file holds 3 images but the label file \(labels) holds 2 labels")
    }

    @Test func corruptGzip() throws {
        let folder = try DataTestFolder()
        let labels = try folder.write("labels", bytes: Self.labels)
        let compressed = Self.gzip(Self.images)
        let cut = try folder.write("cut.gz", bytes: Array(compressed.prefix(compressed.count / 2)))
        let error = try #require(dataTestError { try IDXReader.read(images: cut, labels: labels) })
        #expect(error.kind == .data)
        #expect(error.location?.hasPrefix("\(cut): byte ") == true)
        #expect(error.message.hasPrefix("truncated gzip stream"))

        var damaged = compressed
        for i in 10..<(damaged.count - 8) { damaged[i] ^= 0x5A }
        let bad = try folder.write("bad.gz", bytes: damaged)
        let error2 = try #require(dataTestError { try IDXReader.read(images: bad, labels: labels) })
        #expect(error2.message.hasPrefix("corrupt gzip stream") || error2.message.hasPrefix("truncated gzip stream"))

        let garbage = try folder.write("garbage.gz", bytes: compressed + [0x41, 0x42])
        let error3 = try #require(dataTestError { try IDXReader.read(images: garbage, labels: labels) })
        #expect(error3.location == "\(garbage): byte \(compressed.count)")
    }

    @Test func missingFile() throws {
        let folder = try DataTestFolder()
        let labels = try folder.write("labels", bytes: Self.labels)
        let error = try #require(dataTestError { try IDXReader.read(images: "\(folder.path)/none", labels: labels) })
        #expect(error.kind == .io)
        #expect(error.location == "\(folder.path)/none")
    }

    /// `../shared/data/mnist` beside the package root (three levels above this file).
    static let mnistFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/mnist").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "\(mnistFolder)/t10k-images-idx3-ubyte.gz"),
                   "needs ../shared/data/mnist beside the package"))
    func readsTheRealMNISTTestSet() throws {
        let table = try IDXReader.read(images: "\(Self.mnistFolder)/t10k-images-idx3-ubyte.gz",
                                       labels: "\(Self.mnistFolder)/t10k-labels-idx1-ubyte.gz")
        #expect(table.rows == 10_000)
        #expect(table.sampleShape == [1, 28, 28])
        #expect(table.features.count == 10_000 * 784)
        #expect(table.labels?.first == "7")
        #expect(table.labels?.prefix(5) == ["7", "2", "1", "0", "4"])
        #expect(table.features.max() == 255)
    }
}

import Foundation
import Testing
@testable import DNN

/// The `npy`, `npz`, `cifar10` and `cifar100` data sources in a config: their keys,
/// defaults, resolved form and errors with JSON paths.
@Suite struct ArraySourceConfigTests {
    static func config(_ train: String, loss: String = "") -> String {
        ConfigFixtures.config(data: #"{"train": \#(train)}"#, extra: loss)
    }

    @Test func npzDefaultsAndResolvedPaths() throws {
        let (config, _) = try ConfigFixtures.decode(Self.config(#"{"format": "npz", "path": "d/a.npz", "x": "x_train"}"#), base: "/base")
        #expect(config.data.train == .npz(path: "/base/d/a.npz", x: "x_train", y: "y", targets: ["y"]))
        let resolved = config.resolvedJSON["data"]?["train"]
        #expect(resolved?["y"]?.stringValue == "y" && resolved?["path"]?.stringValue == "/base/d/a.npz")
        #expect(resolved?["targets"]?.array?.compactMap(\.stringValue) == ["y"])
    }

    @Test func npyAndCIFARSources() throws {
        let (npy, _) = try ConfigFixtures.decode(Self.config(#"{"format": "npy", "x": "x.npy", "y": "/d/y.npy", "targets": ["a", "b"]}"#,
                                                          loss: #", "loss": {"type": "mse"}"#), base: "/b")
        #expect(npy.data.train == .npy(x: "/b/x.npy", y: "/d/y.npy", targets: ["a", "b"]))
        let (cifar, _) = try ConfigFixtures.decode(Self.config(#"{"format": "cifar100", "files": ["t.bin"], "label": "coarse"}"#), base: "/b")
        #expect(cifar.data.train == .cifar100(files: ["/b/t.bin"], label: .coarse))
        let (ten, _) = try ConfigFixtures.decode(Self.config(#"{"format": "cifar10", "files": ["a.bin", "b.bin"]}"#), base: "/b")
        #expect(ten.data.train == .cifar10(files: ["/b/a.bin", "/b/b.bin"]))
    }

    @Test func errorsNameThePath() throws {
        let misspelled = ConfigFixtures.error(Self.config(#"{"format": "npz", "pth": "a.npz"}"#))
        #expect(misspelled?.location == "data.train.pth")
        #expect(misspelled?.hint?.contains("'path'") == true)
        let suffix = ConfigFixtures.error(Self.config(#"{"format": "npz", "path": "a.npz", "x": "x_train.npy"}"#))
        #expect(suffix?.location == "data.train.x")
        #expect(suffix?.hint == #""x": "x_train""#)
        let label = ConfigFixtures.error(Self.config(#"{"format": "cifar100", "files": ["a"], "label": "fin"}"#))
        #expect(label?.location == "data.train.label")
        let empty = ConfigFixtures.error(Self.config(#"{"format": "cifar10", "files": []}"#))
        #expect(empty?.location == "data.train.files")
        let classes = ConfigFixtures.error(Self.config(#"{"format": "cifar10", "files": ["a"]}"#, loss: #", "loss": {"type": "mse"}"#))
        #expect(classes?.location == "data.train.format")
        let format = ConfigFixtures.error(Self.config(#"{"format": "npzz", "path": "a"}"#))
        #expect(format?.hint?.contains("npz") == true)
    }
}

/// NPY and ZIP writing: byte for byte what `np.save` writes (tools/make_npy_fixtures.py
/// saved the same arrays), and archives that the reader takes back, ZIP64 included.
@Suite struct NPYWriterTests {
    static let folder = NumPyReaderTests.folder

    @Test func npyBytesEqualNumPys() throws {
        let cases: [(String, NPYWriter.Values, [Int])] = [
            ("written_f4.npy", .float32((0..<6).map { Float($0) / 4 - 0.5 }), [2, 3]),
            ("written_u1.npy", .uint8((0..<24).map { UInt8($0) }), [2, 1, 3, 4]),
            ("written_i8.npy", .int64([0, -1, 1 << 40]), [3]),
            ("written_unicode.npy", .unicode(["setosa", "é✓", ""]), [3]),
        ]
        for (file, values, shape) in cases {
            var bytes: [UInt8] = []
            NPYWriter.append(values, shape: shape, to: &bytes)
            #expect(bytes == (try FileBytes.read(Self.folder + "/" + file)), "\(file)")
            #expect(bytes.count == NPYWriter.size(values, shape: shape))
        }
    }

    @Test(arguments: [false, true])
    func archivesReadBack(zip64: Bool) throws {
        var writer = ZipWriter()
        writer.forceZip64 = zip64
        let x = NPYWriter.Values.float32([1.5, -2, 3]), names = NPYWriter.Values.unicode(["a", "bb", "c"])
        writer.addStored(name: "x.npy", size: NPYWriter.size(x, shape: [3, 1])) { NPYWriter.append(x, shape: [3, 1], to: &$0) }
        writer.addStored(name: "classes.npy", size: NPYWriter.size(names, shape: [3])) { NPYWriter.append(names, shape: [3], to: &$0) }
        let bytes = writer.finish()
        let region = ByteRegion(count: bytes.count) { $0.copyBytes(from: bytes) }
        let archive = try ZipArchive(region: region, path: "written.npz")
        #expect(archive.arrayNames == ["x", "classes"])
        #expect(try archive.array("x").floats() == [1.5, -2, 3])
        #expect(try archive.array("classes").texts() == ["a", "bb", "c"])
        let hasZip64Record = bytes.indices.dropLast(3).contains { bytes[$0...].starts(with: [0x50, 0x4B, 0x06, 0x06]) }
        #expect(hasZip64Record == zip64)
    }

    /// A member given as a header and a payload kept as its own piece (the pixels of an
    /// image folder in `dnn convert`) makes the very bytes of the member written whole.
    @Test(arguments: [false, true])
    func aPayloadPieceWritesTheSameArchive(zip64: Bool) throws {
        let pixels = NPYWriter.Values.uint8((0..<600).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let names = NPYWriter.Values.unicode(["a", "bb"])
        var whole = ZipWriter(), pieces = ZipWriter()
        whole.forceZip64 = zip64
        pieces.forceZip64 = zip64
        whole.addStored(name: "x.npy", size: NPYWriter.size(pixels, shape: [2, 3, 10, 10])) {
            NPYWriter.append(pixels, shape: [2, 3, 10, 10], to: &$0)
        }
        guard case .uint8(let bytes) = pixels else { return }
        pieces.addStored(name: "x.npy", header: NPYWriter.header(pixels, shape: [2, 3, 10, 10]), payload: bytes)
        whole.addStored(name: "classes.npy", size: NPYWriter.size(names, shape: [2])) { NPYWriter.append(names, shape: [2], to: &$0) }
        pieces.addStored(name: "classes.npy", size: NPYWriter.size(names, shape: [2])) { NPYWriter.append(names, shape: [2], to: &$0) }
        let written = pieces.finishPieces()
        #expect(written.count == 3)
        #expect(written.flatMap { $0 } == whole.finish())
    }

    /// The CRC-32 of a buffer large enough to be split over the cores equals zlib's over the
    /// whole buffer at once, and a header's CRC joins a payload's as the concatenation's.
    @Test func aSplitCRCEqualsTheWholeOne() {
        let count = 3 * Inflater.parallelCRCPart + 12_345
        let bytes = (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        // The reference: CRC-32 (reflected polynomial 0xEDB88320) one bit at a time.
        var whole: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            whole ^= UInt32(byte)
            for _ in 0..<8 { whole = whole & 1 == 1 ? (whole >> 1) ^ 0xEDB8_8320 : whole >> 1 }
        }
        whole ^= 0xFFFF_FFFF
        #expect(bytes.withUnsafeBytes { Inflater.crc32($0) } == whole)
        #expect(Inflater.crc32(Array(bytes[1000...]), after: Array(bytes[..<1000])) == whole)
    }
}

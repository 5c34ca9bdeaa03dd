import Foundation
import Testing
@testable import DNN

/// SafeTensors: round trips, the exact byte layout, every malformed file the reader
/// must reject (with its byte offset or tensor name), atomic writes, and a file written
/// by PyTorch.
@Suite struct SafeTensorsTests {
    /// A file from a header text (padded or not, as given) and data bytes.
    static func rawFile(header: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        let n = length ?? UInt64(headerBytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: n >> (8 * UInt64($0))) } + headerBytes + data
    }

    @Test func roundTripOfFloatDoubleAndInt64WithMetadata() throws {
        let folder = try DataTestFolder()
        let path = "\(folder.path)/model.safetensors"
        let weight: [Float] = [1.5, -2.25, 0.1, .leastNonzeroMagnitude, -0.0, 3e38]
        let scalar: [Double] = [Double.pi, -1e300]
        let file = SafeTensors(
            tensors: [("0.weight", .init(weight, shape: [2, 3])), ("0.bias", .init(scalar, shape: [2])),
                      ("1.num_batches_tracked", .init(int64: -42)), ("empty", .init([Float](), shape: [0, 4]))],
            metadata: ["config": "{\"name\": \"x\",\n\t\"path\": \"C:\\\\data\"}", "classes": "setosa, été", "z": ""])
        try file.write(to: path)
        let back = try SafeTensors.read(path: path)
        #expect(back.tensors.map(\.name) == ["0.weight", "0.bias", "1.num_batches_tracked", "empty"])
        #expect(back.metadata == file.metadata)
        for (written, read) in zip(file.tensors, back.tensors) { #expect(written.tensor == read.tensor) }
        let readWeight = try #require(back["0.weight"])
        #expect(readWeight.dtype == "F32")
        #expect(readWeight.shape == [2, 3])
        #expect(try readWeight.values(as: Float.self, name: "0.weight", file: path).map(\.bitPattern)
            == weight.map(\.bitPattern))
        #expect(try back["0.bias"]?.values(as: Double.self, name: "0.bias", file: path) == scalar)
        #expect(try back["0.bias"]?.values(as: Float.self, name: "0.bias", file: path) == [Float(Double.pi), -.infinity])
        #expect(try back["1.num_batches_tracked"]?.int64Value(name: "n", file: path) == -42)
        #expect(back["1.num_batches_tracked"]?.shape == [])
        #expect(try back["empty"]?.values(as: Float.self, name: "empty", file: path) == [])
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model.safetensors"])
    }

    @Test func byteExactLayoutOfATinyFile() throws {
        let bytes = SafeTensors(tensors: [("a", .init([Float(1)], shape: [1]))]).encoded()
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        // 54 header bytes padded with 2 spaces to 56, a multiple of 8.
        #expect(bytes == [56, 0, 0, 0, 0, 0, 0, 0] + Array(header.utf8) + [0x20, 0x20] + [0x00, 0x00, 0x80, 0x3F])

        let withMetadata = SafeTensors(tensors: [("a", .init([Float(1)], shape: [1])), ("n", .init(int64: 1))],
                                       metadata: ["k": "v"]).encoded()
        // 132 header bytes padded to 136; the data starts 8-byte aligned at 144.
        #expect(withMetadata.prefix(8) == [136, 0, 0, 0, 0, 0, 0, 0])
        #expect(String(decoding: withMetadata[8..<144], as: UTF8.self)
            == #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""n":{"dtype":"I64","shape":[],"data_offsets":[4,12]}}    "#)
        #expect(Array(withMetadata[144...]) == [0, 0, 0x80, 0x3F, 1, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test(arguments: [
        // (file bytes, location suffix, start of the message)
        ([1, 2, 3], "byte 0", "the file has 3 bytes, too few"),
        (rawFile(header: "{}", length: 1000), "byte 0", "the header length 1000 is larger than the rest of the file"),
        (rawFile(header: "{}", length: 200_000_000), "byte 0", "the header length 200000000 is larger than the limit"),
        ([3, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0x7D], "byte 8", "the header is not valid UTF-8"),
        (rawFile(header: "[1, 2]"), "byte 8", "the header is not a JSON object"),
        (rawFile(header: "{\"a\": "), "byte 8", "the header is not a JSON object"),
        (rawFile(header: #"{"a": 3}"#), "tensor 'a'", "the entry is not a JSON object"),
        (rawFile(header: #"{"a": {"shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"dtype\" is missing or not a string"),
        (rawFile(header: #"{"a": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"dtype\" is missing or not a string"),
        (rawFile(header: #"{"a": {"dtype": "F32", "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"shape\" is missing or not a list of integers"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}"#),
         "tensor 'a'", "\"shape\"[0] is not an integer"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [true], "data_offsets": [0, 4]}}"#),
         "tensor 'a'", "\"shape\"[0] is not an integer"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [2, -1], "data_offsets": [0, 4]}}"#),
         "tensor 'a'", "\"shape\"[1] is negative (-1)"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [1]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"data_offsets\" is missing or not a list of two integers"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, "4"]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"data_offsets\" is missing or not a list of two integers"),
        (rawFile(header: #"{"a": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}"#),
         "tensor 'a'", "unknown dtype 'F128'"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"data_offsets\" [4, 0] are out of order"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"data_offsets\" [0, 8] go past the end of the data (4 bytes): the file is truncated"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "\"data_offsets\" [0, 4] span 4 bytes but F32 [2] needs 8"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
                    + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}"#, data: [UInt8](repeating: 0, count: 8)),
         "tensor 'b'", "data bytes 2..<6 overlap tensor 'a' (0..<4)"),
        (rawFile(header: "{\"a\": "), "byte 8", "the header is not a JSON object: header:1:7: expected a value"),
        (rawFile(header: #"{"a": 1, "a": 2}"#), "byte 8", "the header is not a JSON object: header:1:10: duplicate key"),
        // Integers are read from their text, exactly: 2^53 + 1 is not rounded to 2^53.
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [9007199254740993], "data_offsets": [0, 9007199254740993]}}"#),
         "tensor 'a'", "\"data_offsets\" [0, 9007199254740993] go past the end of the data (0 bytes)"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 99999999999999999999]}}"#),
         "tensor 'a'", "\"data_offsets\" [0, 99999999999999999999] go past the end of the data (0 bytes)"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [-1, 0]}}"#),
         "tensor 'a'", "\"data_offsets\" [-1, 0] are out of order"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1.0]}}"#, data: [0]),
         "tensor 'a'", "\"data_offsets\" is missing or not a list of two integers"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [1], "data_offsets": [0, false]}}"#, data: [0]),
         "tensor 'a'", "\"data_offsets\" is missing or not a list of two integers"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [1e0], "data_offsets": [0, 1]}}"#, data: [0]),
         "tensor 'a'", "\"shape\"[0] is not an integer"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [99999999999999999999], "data_offsets": [0, 1]}}"#, data: [0]),
         "tensor 'a'", "\"shape\"[0] is too large (99999999999999999999)"),
        (rawFile(header: #"{"a": {"dtype": "U8", "shape": [-99999999999999999999], "data_offsets": [0, 1]}}"#, data: [0]),
         "tensor 'a'", "\"shape\"[0] is negative (-99999999999999999999)"),
        (rawFile(header: #"{"a": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 4]}}"#, data: [0, 0, 0, 0]),
         "tensor 'a'", "the shape [4611686018427387904, 4] is too large"),
        (rawFile(header: #"{"__metadata__": {"k": true}}"#), "__metadata__ 'k'", "the value is not a string"),
        (rawFile(header: #"{"__metadata__": {"k": 1}}"#), "__metadata__ 'k'", "the value is not a string"),
        (rawFile(header: #"{"__metadata__": [1]}"#), "__metadata__", "is not a JSON object of strings"),
    ] as [([UInt8], String, String)])
    func rejectsMalformedFiles(bytes: [UInt8], location: String, message: String) throws {
        let folder = try DataTestFolder()
        let path = try folder.write("bad.safetensors", bytes: bytes)
        let error = try #require(dataTestError { try SafeTensors.read(path: path) })
        #expect(error.kind == .checkpoint)
        #expect(error.location == "\(path): \(location)")
        #expect(error.message.hasPrefix(message), "\(error.message)")
    }

    /// Metadata strings pass through the header's JSON unchanged, whatever they hold, and
    /// the header stays padded to a multiple of 8 bytes (PyTorch's reader needs only that
    /// the data follows the header; the reference writer pads with spaces).
    @Test func metadataWithQuotesBackslashesNewlinesAndNonASCIIRoundTrips() throws {
        let metadata = [
            "quotes": #"say "hi" and "#,
            "backslashes": #"C:\data\new \n is not a newline \"#,
            "lines": "one\ntwo\r\nthree\ttab \u{0} nul \u{1F} unit separator",
            "non-ascii": "été, 東京, emoji 🧠, combining e\u{301}, U+2028 \u{2028}",
            "ключ \"quoted\" key\n": "value",
            "": "empty key",
        ]
        let file = SafeTensors(tensors: [("w \"odd\" name\\é", .init([Float(2)], shape: [1]))], metadata: metadata)
        let bytes = file.encoded()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(bytes[2..<8].allSatisfy { $0 == 0 })
        #expect(headerLength % 8 == 0)
        // The header is one JSON object with the metadata as a string map, padded with spaces.
        let headerText = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        let header = try JSON.parse(headerText, file: "header")
        #expect(header["__metadata__"] == JSON.object(metadata.keys.sorted().map { ($0, .string(metadata[$0]!)) }))
        #expect(headerText.hasSuffix("}") || headerText.hasSuffix(" "))
        #expect(!headerText.contains("\n"), "control characters are escaped")

        let back = try SafeTensors.decode(bytes, file: "memory")
        #expect(back.metadata == metadata)
        #expect(back.tensors.map(\.name) == ["w \"odd\" name\\é"])
        #expect(try back.tensors[0].tensor.values(as: Float.self, name: "w", file: "memory") == [2])
        #expect(back.encoded() == bytes)
    }

    @Test func rejectsATruncatedFile() throws {
        let folder = try DataTestFolder()
        let bytes = SafeTensors(tensors: [("w", .init([Float](repeating: 1, count: 10), shape: [10]))]).encoded()
        let path = try folder.write("cut.safetensors", bytes: Array(bytes.dropLast(3)))
        let error = try #require(dataTestError { try SafeTensors.read(path: path) })
        #expect(error.location == "\(path): tensor 'w'")
        #expect(error.message.hasSuffix("the file is truncated"))

        let missing = "\(folder.path)/missing.safetensors"
        let error2 = try #require(dataTestError { try SafeTensors.read(path: missing) })
        #expect(error2.kind == .io)
        #expect(error2.location == missing)
    }

    @Test func writeNeverLeavesATemporaryFileOrReplacesOnFailure() throws {
        let folder = try DataTestFolder()
        let file = SafeTensors(tensors: [("a", .init([Float(1)], shape: [1]))])
        // A folder that does not exist: nothing can be created.
        let nowhere = "\(folder.path)/no/such/folder/model.safetensors"
        let error = try #require(dataTestError { try file.write(to: nowhere) })
        #expect(error.kind == .io)
        #expect(error.location == nowhere)

        // The rename fails (the target is a folder, and root may write anywhere): the
        // temporary file is removed and the target is untouched.
        let target = "\(folder.path)/target"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        _ = try folder.write("target/keep", "old")
        let error2 = try #require(dataTestError { try file.write(to: target) })
        #expect(error2.kind == .io)
        #expect(error2.location == target)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["target"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target) == ["keep"])

        // A successful write replaces the old file whole.
        let path = try folder.write("model.safetensors", "old contents")
        try file.write(to: path)
        #expect(try SafeTensors.read(path: path)["a"] == file["a"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["model.safetensors", "target"])
    }

    @Test func valueConversionsAndTheirErrors() throws {
        // F16: 1.0, -2.5, the smallest subnormal, infinity. BF16: 1.0, -3.5.
        let half = SafeTensors.Tensor(dtype: "F16", shape: [4], bytes: [0x00, 0x3C, 0x00, 0xC1, 0x01, 0x00, 0x00, 0x7C])
        #expect(try half.values(as: Double.self, name: "h", file: "f") == [1, -2.5, 0x1p-24, .infinity])
        let brain = SafeTensors.Tensor(dtype: "BF16", shape: [2], bytes: [0x80, 0x3F, 0x60, 0xC0])
        #expect(try brain.values(as: Float.self, name: "b", file: "f") == [1, -3.5])

        let integer = SafeTensors.Tensor(int64: 5)
        let error = try #require(dataTestError { try integer.values(as: Float.self, name: "n", file: "f.st") })
        #expect(error.kind == .checkpoint)
        #expect(error.location == "f.st: tensor 'n'")
        #expect(error.message == "dtype I64 is not floating point (expected F32, F64, F16 or BF16)")
        let error2 = try #require(dataTestError {
            try SafeTensors.Tensor([Float(1), 2], shape: [2]).int64Value(name: "m", file: "f.st")
        })
        #expect(error2.message == "expected one I64 value, found F32 [2]")
    }

    /// A file written by PyTorch, made with:
    ///
    ///     python3 -c "import torch; from safetensors.torch import save_file; save_file({
    ///       'w': torch.tensor([[1.5, -2.25, 3.0], [0.1, 1e-8, -0.0]], dtype=torch.float32),
    ///       'd': torch.tensor([3.141592653589793, -1e300], dtype=torch.float64),
    ///       'n': torch.tensor(42, dtype=torch.int64),
    ///       'h': torch.tensor([0.5, -65504.0, 6e-8], dtype=torch.float16),
    ///       'b': torch.tensor([1.0, -3.5], dtype=torch.bfloat16)},
    ///       'Tests/DNNTests/Fixtures/torch_written.safetensors',
    ///       metadata={'format': 'pt', 'note': 'made by torch'})"
    ///
    /// (torch 2.15, safetensors 0.8). Files we write load with `safetensors.torch.load_file`.
    @Test func readsAFileWrittenByPyTorch() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/torch_written.safetensors").path
        let file = try SafeTensors.read(path: path)
        #expect(file.metadata == ["format": "pt", "note": "made by torch"])
        // PyTorch orders the data by alignment: 8-byte dtypes first.
        #expect(file.tensors.map(\.name) == ["n", "d", "w", "b", "h"])
        #expect(try file["n"]?.int64Value(name: "n", file: path) == 42)
        #expect(file["n"]?.shape == [])
        #expect(try file["d"]?.values(as: Double.self, name: "d", file: path) == [3.141592653589793, -1e300])
        #expect(file["w"]?.shape == [2, 3])
        #expect(try file["w"]?.values(as: Float.self, name: "w", file: path) == [1.5, -2.25, 3.0, 0.1, 1e-8, -0.0])
        #expect(try file["h"]?.values(as: Float.self, name: "h", file: path) == [0.5, -65504, 0x1p-24])
        #expect(try file["b"]?.values(as: Float.self, name: "b", file: path) == [1, -3.5])
        // Written back by us, the same tensors and metadata.
        let again = try SafeTensors.decode(file.encoded(), file: "memory")
        #expect(again.metadata == file.metadata)
        #expect(again.tensors.map(\.name) == file.tensors.map(\.name))
        for (a, b) in zip(again.tensors, file.tensors) { #expect(a.tensor == b.tensor) }
    }
}

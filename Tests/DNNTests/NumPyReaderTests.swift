import Foundation
import Testing
@testable import DNN

/// The NPY reader against NumPy: every dtype in both byte orders, Fortran order, format
/// versions 1.0 to 3.0 and text arrays, value for value, and damaged files refused with a
/// `.data` error naming the file and the problem. Fixtures: tools/make_npy_fixtures.py.
@Suite struct NumPyReaderTests {
    static let folder = TestPaths.fixtures + "/arrays"

    /// expected.json: for each fixture, its shape and its values (as float32) or texts.
    static let expected: JSON = {
        let path = folder + "/expected.json"
        return (try? JSON.parse(String(contentsOfFile: path, encoding: .utf8), file: path)) ?? .null
    }()

    static func expectedFloats(_ name: String) -> [Float] {
        (expected[name]?["values"]?.array ?? []).map { value in
            if let number = value.double { return Float(number) }
            switch value.stringValue {
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return .nan
            }
        }
    }

    static let numericFiles = [
        "bool.npy", "i1_le.npy", "i2_le.npy", "i2_be.npy", "i4_le.npy", "i4_be.npy", "i8_le.npy", "i8_be.npy", "u1_le.npy",
        "u2_le.npy", "u2_be.npy", "u4_le.npy", "u4_be.npy", "u8_le.npy", "u8_be.npy", "i8_wide.npy", "u8_wide.npy",
        "f2_le.npy", "f2_be.npy", "f2_special.npy", "f4_le.npy", "f4_be.npy", "f8_le.npy", "f8_be.npy", "f8_rounding.npy",
        "fortran_f4.npy", "fortran_i8_3d.npy", "v1.npy", "v2.npy", "v3.npy", "scalar_rows.npy", "images_u1.npy",
    ]

    @Test(arguments: numericFiles)
    func numericValuesEqualNumPys(file: String) throws {
        let array = try NPYArray.read(path: Self.folder + "/" + file)
        let shape = Self.expected[file]?["shape"]?.array?.compactMap(\.int)
        #expect(array.shape == shape)
        let values = try array.floats()
        let expected = Self.expectedFloats(file)
        #expect(values.count == expected.count)
        // Bit for bit: -0.0 stays negative, conversions round as NumPy's astype(float32).
        #expect(values.map(\.bitPattern) == expected.map(\.bitPattern), "\(file): \(values) vs \(expected)")
    }

    @Test(arguments: ["unicode_le.npy", "unicode_be.npy", "bytes.npy"])
    func textEqualsNumPys(file: String) throws {
        let texts = try NPYArray.read(path: Self.folder + "/" + file).texts()
        #expect(texts == Self.expected[file]?["texts"]?.array?.compactMap(\.stringValue))
    }

    @Test func integersAsLabelsKeepEveryDigit() throws {
        #expect(try NPYArray.read(path: Self.folder + "/i8_wide.npy").texts() == ["-4611686018427387904", "1099511627777", "7"])
        #expect(try NPYArray.read(path: Self.folder + "/u8_wide.npy").texts() == ["18446744073709551615", "9007199254740993"])
        #expect(try NPYArray.read(path: Self.folder + "/bool.npy").texts() == ["1", "0", "0", "1"])
    }

    @Test func headersOfEachVersion() throws {
        for (file, major) in [("v1.npy", 1), ("v2.npy", 2), ("v3.npy", 3)] {
            let header = try NPYArray.read(path: Self.folder + "/" + file).header
            #expect(Int(header.major) == major)
            #expect(header.dtype == NPYDType(kind: .float, size: 4, bigEndian: false))
            #expect(header.shape == [2, 3] && !header.fortranOrder)
        }
        #expect(try NPYArray.read(path: Self.folder + "/fortran_f4.npy").header.fortranOrder)
    }

    @Test func uint8ImagesStayBytes() throws {
        let array = try NPYArray.read(path: Self.folder + "/images_u1.npy")
        #expect(array.uint8Values() == (0..<24).map { UInt8($0) })
        #expect(try NPYArray.read(path: Self.folder + "/f4_le.npy").uint8Values() == nil)
    }

    static let damaged: [(file: String, message: String)] = [
        ("bad_object.npy", "refuses to unpickle"),
        ("bad_truncated_data.npy", "truncated NPY file"),
        ("bad_truncated_header.npy", "truncated NPY file"),
        ("bad_magic.npy", "is not an NPY file"),
        ("bad_version.npy", "format version 4.0"),
        ("bad_absurd_shape.npy", "needs more bytes than memory can hold"),
        ("bad_overflow_shape.npy", "more elements than memory can hold"),
        ("bad_dict.npy", "unexpected key 'extra'"),
        ("bad_syntax.npy", "unexpected character 'F'"),
        ("bad_call.npy", "unexpected character '_'"),
        ("bad_structured.npy", "structured array"),
        ("bad_complex.npy", "dtype '<c8'"),
    ]

    @Test(arguments: damaged.map(\.file))
    func damagedFilesAreDataErrorsNamingTheFile(file: String) throws {
        let path = Self.folder + "/" + file
        let error = expectError(.data) { try NPYArray.read(path: path) }
        #expect(error?.location?.hasPrefix(path) == true, "\(String(describing: error))")
        let message = Self.damaged.first { $0.file == file }!.message
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func truncationNamesTheByteOffset() throws {
        let path = Self.folder + "/bad_truncated_data.npy"
        let error = expectError(.data) { try NPYArray.read(path: path) }
        #expect(error?.location == "\(path): byte 147")
        #expect(error?.message.contains("needs 24 bytes from byte 128") == true, "\(String(describing: error))")
    }

    @Test func everyPrefixOfAGoodFileFailsCleanly() throws {
        let bytes = try FileBytes.read(Self.folder + "/fortran_f4.npy")
        for length in 0..<bytes.count {
            let region = ByteRegion(count: length) { $0.copyBytes(from: bytes[0..<length]) }
            let error = expectError(.data) { try NPYArray(region: region, location: "prefix") }
            #expect(error?.location?.hasPrefix("prefix") == true)
        }
    }

    @Test func halfPrecisionCoversEveryClass() {
        #expect(NPYArray.halfToFloat(0x3C00) == 1)
        #expect(NPYArray.halfToFloat(0x0001) == 0x1p-24)
        #expect(NPYArray.halfToFloat(0x7BFF) == 65504)
        #expect(NPYArray.halfToFloat(0xFC00) == -.infinity)
        #expect(NPYArray.halfToFloat(0x7E00).isNaN)
        #expect(NPYArray.halfToFloat(0x8000).bitPattern == (-0.0 as Float).bitPattern)
    }
}

import Foundation
import Testing
@testable import DNN

/// Inputs that crashed, hung or exhausted memory in a reader before it was fixed, found
/// by the libFuzzer targets under `Fuzz/` (`make fuzz`) or while writing them, each
/// reproduced with its target. Every one must now give a result or a `DNNError` that
/// says where, never a trap. Tests never assert timings: an input that once took
/// quadratic time simply finishes here.
@Suite struct FuzzRegressionTests {
    /// The bytes of `Fixtures/fuzz/<name>`.
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    // MARK: JSON

    /// A one-line JSON object of 100,000 keys: the parser counted the column of every key
    /// and every string from the start of its line, in case an error would need it,
    /// quadratic in the line's length (config-fuzzer on such a 0.9 MB input: no result
    /// after 9 minutes). Columns are now counted only for an error.
    @Test func aOneLineJSONObjectOfManyKeysParsesInLinearTime() throws {
        let keys = 100_000
        let text = "{" + (0..<keys).map { "\"k\($0)\": \"v\"" }.joined(separator: ", ") + "}"
        let json = try JSON.parse(text, file: "wide.json")
        #expect(json.object?.count == keys)
        #expect(json["k99999"] == "v")

        // A duplicate at the end still names both places; every character is one byte here.
        let duplicate = String(text.dropLast()) + #", "k5": 1}"#
        let firstColumn = try #require(text.utf8.firstRange(of: #""k5""#.utf8)).lowerBound.utf16Offset(in: text) + 1
        let error = try #require(dataTestError { try JSON.parse(duplicate, file: "wide.json") })
        #expect(error.kind == .config)
        #expect(error.location == "wide.json:1:\(text.count + 2)")
        #expect(error.message == "duplicate key \"k5\" at k5 (first at line 1, column \(firstColumn))")

        let unterminated = String(text.dropLast()) + #", "k"#
        let error2 = try #require(dataTestError { try JSON.parse(unterminated, file: "wide.json") })
        #expect(error2.location == "wide.json:1:\(unterminated.count + 1)")
        #expect(error2.message == "unterminated string (it starts at line 1, column \(text.count + 2))")
    }

    // MARK: CSV

    /// A header of 200,000 distinct column names: each name was compared with every
    /// earlier one to find duplicates, 2 * 10^10 string comparisons (csv-fuzzer: timeout).
    /// Now a dictionary finds them in linear time.
    @Test func aHeaderOfManyColumnsIsCheckedInLinearTime() throws {
        let columns = 200_000
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
        let bytes = Array((header + "\n" + [String](repeating: "1", count: columns).joined(separator: ",") + "\n").utf8)
        let table = try CSVReader.decode(bytes, file: "wide.csv", labelColumn: "c7")
        #expect(table.rows == 1)
        #expect(table.featureCount == columns - 1)
        #expect(table.labels == ["1"])

        // A repeated name far along is still found, with both columns.
        let repeated = Array((header + ",c123456\n").utf8)
        let error = try #require(dataTestError { try CSVReader.decode(repeated, file: "wide.csv", labelColumn: nil) })
        #expect(error.kind == .data)
        #expect(error.location == "wide.csv:1:\(header.count + 2)")
        #expect(error.message == "duplicate column name 'c123456' (also column 123457)")
    }

    /// 40,000 columns and 40,000 empty lines: the row estimate counted the empty lines, and
    /// the feature buffer reserved 40,000 x 40,000 Floats, 6.4 GB (csv-fuzzer:
    /// out-of-memory, malloc(6400160032)). The reservation is now bounded by the file's size.
    @Test func emptyLinesUnderAWideHeaderDoNotReserveHugeMemory() throws {
        let columns = 40_000
        let header = (0..<columns).map { "c\($0)" }.joined(separator: ",")
        let row = [String](repeating: "0", count: columns).joined(separator: ",")
        let bytes = Array((header + String(repeating: "\n", count: columns) + row + "\n").utf8)
        let table = try CSVReader.decode(bytes, file: "sparse.csv", labelColumn: nil)
        #expect(table.rows == 1)
        #expect(table.lineNumbers == [columns + 1])
        #expect(table.features.count == columns)
        // Within a factor of 2 of the file's size (the allocator may round up), where it was 6.4 GB.
        #expect(table.features.capacity < 2 * bytes.count)

        let headerOnly = Array((header + String(repeating: "\n", count: columns)).utf8)
        let error = try #require(dataTestError { try CSVReader.decode(headerOnly, file: "sparse.csv", labelColumn: nil) })
        #expect(error.location == "sparse.csv:1:1")
        #expect(error.message == "no data rows after the header")
    }

    // MARK: gzip

    /// A gzip bomb: 16 MiB of zeros deflate to about 16 KB. Decompression had no limit at
    /// all; now it stops one byte past `limit` (4 GiB by default) with an error that
    /// names the byte of the compressed stream it had reached.
    @Test func aGzipBombIsRefusedPastTheLimit() throws {
        let zeros = [UInt8](repeating: 0, count: 16 << 20)
        let bomb = IDXReaderTests.gzip(zeros)
        #expect(bomb.count < 20_000)
        let error = try #require(dataTestError { try Gzip.decompress(bomb, file: "bomb.gz", limit: 1 << 20) })
        #expect(error.kind == .data)
        #expect(error.location?.hasPrefix("bomb.gz: byte ") == true)
        #expect(error.message == "the gzip stream inflates to more than 1,048,576 bytes, the limit for a data file "
            + "(a damaged file or a gzip bomb)")
        // Concatenated members count together against the limit.
        let twoMembers = IDXReaderTests.gzip([UInt8](repeating: 0, count: 600_000))
        #expect(try Gzip.decompress(twoMembers, file: "one.gz", limit: 1 << 20).count == 600_000)
        let error2 = try #require(dataTestError {
            try Gzip.decompress(twoMembers + twoMembers, file: "two.gz", limit: 1 << 20)
        })
        #expect(error2.location?.hasPrefix("two.gz: byte ") == true)
        // Output of exactly the limit is accepted, and the default limit takes the whole bomb.
        #expect(try Gzip.decompress(bomb, file: "bomb.gz", limit: 16 << 20) == zeros)
        #expect(try Gzip.decompress(bomb, file: "bomb.gz") == zeros)
    }
}

@testable import DNN

/// The CSV reader on the bytes as a file's contents (raw, or gzip when they start with
/// 1f 8b): once with a label column named "label", once with every column a feature, and
/// the mapped read of `data.shard` against the whole-file read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkCSV) }

func checkCSV(_ bytes: [UInt8]) {
    expectSuccessOrLocatedError {
        let table = try CSVReader.decode(bytes, file: "fuzz.csv", labelColumn: "label", labelRequired: false)
        if table.features.count != table.rows * table.featureCount { fatalError("features do not fill the table") }
    }
    expectSuccessOrLocatedError {
        _ = try CSVReader.decode(bytes, file: "fuzz.csv", labelColumn: nil)
    }
    checkMappedCSV(bytes)
}

/// The file read whole and read mapped (every row kept, or, when the whole read fails, none:
/// the same rows are still checked and must fail the same way).
func checkMappedCSV(_ bytes: [UInt8]) {
    let path = scratchFile("data.csv", bytes)
    let rows = (try? CSVReader.decode(bytes, file: path, labelColumn: "label"))?.rows ?? 0
    expectSameOutcome({ try CSVReader.decode(bytes, file: path, labelColumn: "label") },
                      { try CSVReader.read(path: path, labelColumn: "label",
                                           selection: RowSelection(keep: [Bool](repeating: true, count: rows))) },
                      sameText: !Gzip.isCompressed(bytes), "CSV mapped against whole")
}

@testable import DNN

/// The CSV reader on the bytes as a file's contents (raw, or gzip when they start with
/// 1f 8b): once with a label column named "label", once with every column a feature.
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
}

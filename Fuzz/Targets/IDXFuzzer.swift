@testable import DNN

/// The IDX reader on the bytes as a file's contents (raw, or gzip when they start with
/// 1f 8b): gzip on its own, then read both as an image file and as a label file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkIDX) }

func checkIDX(_ bytes: [UInt8]) {
    if Gzip.isCompressed(bytes) {
        expectSuccessOrLocatedError { _ = try Gzip.decompress(bytes, file: "fuzz.gz") }
    }
    expectSuccessOrLocatedError {
        let table = try IDXReader.decodeImages(bytes, file: "fuzz-images.idx")
        if table.features.count != table.rows * table.featureCount { fatalError("features do not fill the table") }
    }
    expectSuccessOrLocatedError {
        _ = try IDXReader.decodeLabels(bytes, file: "fuzz-labels.idx")
    }
}

@testable import DNN

/// The IDX reader on the bytes as a file's contents (raw, or gzip when they start with
/// 1f 8b): gzip on its own, then read both as an image file and as a label file, and the
/// streamed read of `data.shard` against the whole-file read.
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
    checkStreamedIDX(bytes)
}

/// As an image file with a label file of the count its header gives: `data.shard`'s
/// streamed read keeps every row and must give what the whole read gives, or fail alike.
func checkStreamedIDX(_ bytes: [UInt8]) {
    let compressed = Gzip.isCompressed(bytes)
    guard let contents = compressed ? try? Gzip.decompress(bytes, file: "fuzz.gz") : bytes, contents.count >= 8 else { return }
    let count = contents[4...7].reduce(0) { $0 << 8 | Int($1) }
    guard count >= 1, count <= 100_000 else { return }  // a valid label file for every count it can have
    let images = scratchFile("images.idx", bytes)
    let labels = scratchFile("labels.idx", [0, 0, 8, 1] + contents[4...7] + [UInt8](repeating: 3, count: count))
    expectSameOutcome({ try IDXReader.read(images: images, labels: labels) },
                      { try IDXReader.read(images: images, labels: labels,
                                           selection: RowSelection(keep: [Bool](repeating: true, count: count))) },
                      sameText: !compressed, "IDX streamed against whole")
}

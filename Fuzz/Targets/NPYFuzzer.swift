@testable import DNN

/// The NumPy readers on the bytes as a file's contents: as an `.npy` (header, then every
/// element as numbers or text, then as a table of samples) and as an `.npz` (the ZIP
/// directory, then every member inflated, CRC-checked and read as an array). Each must
/// succeed or throw a located `DNNError`, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt { fuzz(data, size, checkNPY) }

func checkNPY(_ bytes: [UInt8]) {
    let region = ByteRegion(count: bytes.count) { $0.copyBytes(from: bytes) }
    expectSuccessOrLocatedError { try checkArray(NPYArray(region: region, location: "fuzz.npy")) }
    expectSuccessOrLocatedError {
        let archive = try ZipArchive(region: region, path: "fuzz.npz")
        for member in archive.members {
            expectSuccessOrLocatedError {
                try checkArray(NPYArray(region: archive.contents(of: member), location: archive.location(of: member)))
            }
        }
    }
}

/// Every reading of an array: numbers (or the refusal of text), text, and the table it makes.
func checkArray(_ array: NPYArray) throws {
    if array.header.count != array.shape.reduce(1, *) { fatalError("the element count is not the shape's product") }
    if array.dtype.isNumeric {
        if try array.floats().count != array.header.count { fatalError("floats() lost elements") }
    }
    if try array.texts().count != array.header.count { fatalError("texts() lost elements") }
    let table = try ArrayTable.table(x: array, y: nil)
    if table.features.count != table.rows * table.featureCount { fatalError("features do not fill the table") }
}

import Foundation
import Testing
@testable import DNN

/// Rows that are never copied. A C-order little-endian float32 `.npy` trains from its
/// mapping (the contract: "memory-mapped, not copied"): the features point into the mapped
/// file, the validation split selects rows without moving them, and a batch normalises the
/// mapped rows to the very floats a copied and normalised table gives. Decoded images
/// split into training and validation views of their one buffer. Fixtures:
/// tools/make_npy_fixtures.py; the larger file is written here by `NPYWriter`.
@Suite struct UncopiedRowsTests {
    /// The features of f4_le.npy are the file's own bytes (the same address), kept alive by
    /// the storage; big-endian and Fortran-order float32 arrays are converted into a copy.
    @Test func nativeFloat32FeaturesAreTheMapping() throws {
        let folder = NumPyReaderTests.folder
        let array = try NPYArray.read(path: folder + "/f4_le.npy")
        guard case .mapped(let mapped) = try array.featureStorage(width: 3) else {
            Issue.record("f4_le.npy was copied, not mapped")
            return
        }
        #expect(UnsafeRawPointer(mapped.values.baseAddress!) == array.data.baseAddress!)
        #expect(mapped.isFileBacked && mapped.memoryBytes == 0 && mapped.rows == 2)
        #expect(mapped.floats == NumPyReaderTests.expectedFloats("f4_le.npy"))
        for (file, width) in [("f4_be.npy", 3), ("fortran_f4.npy", 4)] {
            let copied = try NPYArray.read(path: folder + "/" + file).featureStorage(width: width)
            #expect(copied == .floats(NumPyReaderTests.expectedFloats(file)), "\(file)")
        }
        let table = try NumPySource.readNPY(x: folder + "/f4_le.npy", y: nil)
        guard case .mapped = table.storage else {
            Issue.record("the npy source copied f4_le.npy")
            return
        }
    }

    /// 50 rows of 3 features: the validation split and standardize on the mapped rows give
    /// the statistics and the batch floats of the same rows held as a copy, bit for bit,
    /// and the training rows still lie in the mapping.
    @Test func splitAndNormalizedRowsEqualACopys() throws {
        let directory = TestPaths.temporaryDirectory()
        let values = (0..<150).map { Float(sin(Double($0) * 0.7)) * Float($0 % 7 + 1) }
        var bytes: [UInt8] = []
        NPYWriter.append(.float32(values), shape: [50, 3], to: &bytes)
        try Data(bytes).write(to: URL(fileURLWithPath: directory + "/x.npy"))
        var mapped = try NumPySource.readNPY(x: directory + "/x.npy", y: nil)
        mapped.labels = (0..<50).map { String($0 % 2) }
        var copied = mapped
        copied.storage = .floats(values)
        let isValidation = (0..<50).map { $0 % 5 == 0 }
        let mappedValidation = mapped.takeRows(isValidation), copiedValidation = copied.takeRows(isValidation)
        guard case .mapped(let rows) = mapped.storage, case .mapped = mappedValidation.storage else {
            Issue.record("the split copied the mapped rows")
            return
        }
        #expect(rows.rows == 40 && rows.memoryBytes == 40 * MemoryLayout<Int>.stride)
        let normalization = Normalization.fit(kind: .standardize, storage: mapped.storage, featureCount: 3)
        #expect(normalization == Normalization.fit(kind: .standardize, storage: copied.storage, featureCount: 3))
        let classes = ClassEncoding(names: ["0", "1"])
        for (fromMapping, fromCopy) in [(mapped, copied), (mappedValidation, copiedValidation)] {
            let trained = try Dataset(table: fromMapping, encoding: classes, normalization: normalization, file: "x.npy")
            let reference = try Dataset(table: fromCopy, encoding: classes, normalization: normalization, file: "x.npy")
            #expect(trained.features.map(\.bitPattern) == reference.features.map(\.bitPattern))
            let batch = Batch(sampleShape: [3], capacity: 4)
            batch.fill(from: trained, indices: [3, 0, 7, 1])
            let gathered = Array(UnsafeBufferPointer(start: batch.input.data, count: 12))
            let expected = [3, 0, 7, 1].flatMap { reference.features[($0 * 3)..<($0 * 3 + 3)] }
            #expect(gathered.map(\.bitPattern) == expected.map(\.bitPattern))
        }
    }

    /// A byte table (decoded images) split 80/20: both parts are views of the one buffer
    /// (the same address, nothing copied), and their batches are the floats of a copy.
    @Test func aByteSplitSharesTheDecodedBuffer() throws {
        let pixels = (0..<(20 * 12)).map { UInt8(($0 * 37) % 256) }
        var table = LabelledTable(features: [], featureCount: 12, featureNames: [], labels: (0..<20).map { String($0 % 2) },
                                  rows: 20, lineNumbers: Array(1...20), sampleShape: [3, 2, 2])
        table.storage = .bytes(pixels)
        let address = pixels.withUnsafeBufferPointer { $0.baseAddress }
        let validation = table.takeRows((0..<20).map { $0 % 5 == 0 })
        guard case .byteRows(let train) = table.storage, case .byteRows(let held) = validation.storage else {
            Issue.record("the split copied the byte rows")
            return
        }
        #expect(train.values.withUnsafeBufferPointer { $0.baseAddress } == address)
        #expect(held.values.withUnsafeBufferPointer { $0.baseAddress } == address)
        #expect(train.rowMap == [1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19] && held.rowMap == [0, 5, 10, 15])
        #expect(table.storage.memoryBytes + validation.storage.memoryBytes == 20 * (12 + MemoryLayout<Int>.stride))
        let classes = ClassEncoding(names: ["0", "1"])
        let dataset = try Dataset(table: validation, encoding: classes, normalization: .scale, file: "images")
        var expected: [Float] = []
        for row in [0, 5, 10, 15] {
            for value in pixels[(row * 12)..<(row * 12 + 12)] { expected.append(Float(value) / 255) }
        }
        #expect(dataset.features == expected)
        let batch = Batch(sampleShape: [3, 2, 2], capacity: 2)
        batch.fill(from: dataset, indices: [3, 1])
        let gathered = Array(UnsafeBufferPointer(start: batch.input.data, count: 24))
        #expect(gathered == Array(expected[36..<48]) + Array(expected[12..<24]))
    }
}

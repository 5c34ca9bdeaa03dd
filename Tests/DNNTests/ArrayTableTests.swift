import Foundation
import Testing
@testable import DNN

/// How NumPy arrays become a table: sample shapes from x's dimensions, classes and
/// regression targets from y, and the errors that name the array. The arrays are written
/// by `NPYWriter` (itself checked byte for byte against `np.save` in NPYWriterTests).
@Suite struct ArrayTableTests {
    static func array(_ values: NPYWriter.Values, _ shape: [Int], _ name: String = "a.npy") throws -> NPYArray {
        var bytes: [UInt8] = []
        NPYWriter.append(values, shape: shape, to: &bytes)
        return try NPYArray(region: ByteRegion(count: bytes.count) { $0.copyBytes(from: bytes) }, location: name)
    }

    @Test func sampleShapesFollowTheContract() throws {
        let cases: [([Int], [Int])] = [([4], [1]), ([4, 6], [6]), ([4, 2, 3], [1, 2, 3]), ([4, 2, 3, 1], [2, 3, 1]),
                                       ([4, 1, 2, 3, 1], [1, 2, 3, 1])]
        for (shape, sample) in cases {
            let count = shape.reduce(1, *)
            let table = try ArrayTable.table(x: Self.array(.float32((0..<count).map(Float.init)), shape), y: nil)
            #expect(table.sampleShape == sample && table.rows == 4 && table.featureCount == count / 4)
            #expect(table.features == (0..<count).map(Float.init))
        }
    }

    @Test func floatTargetsAndTheirNames() throws {
        let x = try Self.array(.float32([1, 2, 3]), [3, 1]), y = try Self.array(.float32([0.5, -1, 2.25, 3, 1e-7, 4]), [3, 2], "y.npy")
        let table = try ArrayTable.table(x: x, y: y, targets: ["a", "b"])
        #expect(table.labels == ["0.5", "2.25", "1.0000000116860974e-07"])
        #expect(table.extraTargetNames == ["b"] && table.extraTargets == [-1, 3, 4])
        #expect(try table.regressionTargets(file: "y.npy", labelPath: "data.train.label", lossType: "mse") == [0.5, -1, 2.25, 3, 1e-7, 4])
        let unnamed = expectError(.data) { try ArrayTable.table(x: x, y: y) }
        #expect(unnamed?.location == "y.npy" && unnamed?.hint?.contains(#""targets": ["y0", "y1"]"#) == true)
    }

    @Test func labelErrorsNameTheArray() throws {
        let x = try Self.array(.float32([1, 2, 3]), [3, 1], "x.npy")
        let short = expectError(.data) { try ArrayTable.table(x: x, y: Self.array(.int64([0, 1]), [2], "y.npy")) }
        #expect(short?.location == "y.npy" && short?.message.contains("x (x.npy) has 3 samples") == true)
        let classes = try Self.array(.unicode(["cat", "dog"]), [2], "classes.npy")
        let outside = expectError(.data) { try ArrayTable.table(x: x, y: Self.array(.int64([0, 2, 1]), [3], "y.npy"), classes: classes) }
        #expect(outside?.location == "y.npy: element 1")
        let named = try ArrayTable.table(x: x, y: Self.array(.int64([1, 1, 0]), [3]), classes: classes)
        #expect(named.labels == ["dog", "dog", "cat"] && named.classNames == ["cat", "dog"])
        let text = expectError(.data) { try ArrayTable.table(x: Self.array(.unicode(["a", "b"]), [2]), y: nil) }
        #expect(text?.message.contains("holds text") == true)
    }

    /// What a `data.shard` rank keeps of a whole-read source, and every row it is shown.
    @Test func selectionKeepsRowsAndVisitsAll() throws {
        let table = try ArrayTable.table(x: Self.array(.float32((0..<6).map(Float.init)), [3, 2]),
                                         y: Self.array(.int64([0, 1, 0]), [3]))
        var visited: [Float] = []
        let selection = RowSelection(keep: [false, true, true]) { _, values in visited += values }
        let kept = try table.selecting(selection, file: "x.npy")
        #expect(visited == (0..<6).map(Float.init))
        #expect(kept.features == [2, 3, 4, 5] && kept.labels == ["1", "0"] && kept.lineNumbers == [2, 3])
        let labels = try table.selecting(.labels, file: "x.npy")
        #expect(labels.features.isEmpty && labels.labels == ["0", "1", "0"])
    }
}

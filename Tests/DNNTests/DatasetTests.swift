import Testing
@testable import DNN

/// Validation split (the last rows, as Keras does), reshaping to the model's input shape,
/// and the final encoding into a Dataset.
@Suite struct DatasetTests {
    /// Five rows of two features (row r holds r*10, r*10+1) with labels "a", "b", ...
    static let table = LabelledTable(features: (0..<5).flatMap { [Float($0 * 10), Float($0 * 10 + 1)] },
                                     featureCount: 2, featureNames: ["x", "y"], labels: ["a", "b", "a", "b", "c"],
                                     rows: 5, lineNumbers: [2, 3, 5, 6, 7], sampleShape: [2])

    @Test func splitTakesTheLastRoundedRows() throws {
        // 0.3 * 5 = 1.5 rounds away from zero to 2.
        let (train, validation) = try Self.table.split(fraction: 0.3, shuffle: false, seed: 0).parts
        #expect(train.rows == 3)
        #expect(train.features == [0, 1, 10, 11, 20, 21])
        #expect(train.labels == ["a", "b", "a"])
        #expect(train.lineNumbers == [2, 3, 5])
        #expect(validation.rows == 2)
        #expect(validation.features == [30, 31, 40, 41])
        #expect(validation.labels == ["b", "c"])
        #expect(validation.lineNumbers == [6, 7])
    }

    @Test(arguments: [0.05, 0.95, 0, 1, -0.5, Double.nan])
    func splitRefusesAnEmptyPart(fraction: Double) throws {
        let error = try #require(dataTestError { try Self.table.split(fraction: fraction, shuffle: false, seed: 0) })
        #expect(error.kind == .config)
        #expect(error.location == "data.validation.split")
    }

    @Test func reshapeChecksTheSize() throws {
        let reshaped = try Self.table.reshaped(to: [1, 1, 2], file: "t.csv")
        #expect(reshaped.sampleShape == [1, 1, 2])
        #expect(reshaped.features == Self.table.features)
        let error = try #require(dataTestError { try Self.table.reshaped(to: [1, 28, 28], file: "t.csv") })
        #expect(error.location == "model.input_shape")
        #expect(error.message == "[1, 28, 28] holds 784 values but each sample of t.csv has 2 features")
    }

    @Test func datasetEncodesAndNormalises() throws {
        let encoding = try ClassEncoding.infer(labels: Self.table.labels!, classCount: 3, configPath: "p")
        let dataset = try Dataset(table: Self.table, encoding: encoding, normalization: .scale, file: "t.csv")
        #expect(dataset.labels == [0, 1, 0, 1, 2])
        #expect(dataset.features[3] == Float(11) / 255)
        #expect(dataset.count == 5)
        #expect(dataset.sampleSize == 2)
    }
}

extension LabelledTable.Split {
    var parts: (LabelledTable, LabelledTable) { (train, validation) }
}

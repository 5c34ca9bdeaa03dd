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

    @Test func takeRowsMovesTheTakenRowsOutAndClosesTheGaps() {
        var table = Self.table
        table.extraTargetNames = ["t"]
        table.extraTargets = [100, 101, 102, 103, 104]
        let before = table
        var rest = table
        let taken = rest.takeRows([true, false, true, false, false])
        #expect(taken.features == [0, 1, 20, 21])
        #expect(taken.labels == ["a", "a"])
        #expect(taken.lineNumbers == [2, 5])
        #expect(taken.extraTargets == [100, 102])
        #expect(taken.rows == 2)
        #expect(rest.features == [10, 11, 30, 31, 40, 41])
        #expect(rest.labels == ["b", "b", "c"])
        #expect(rest.lineNumbers == [3, 6, 7])
        #expect(rest.extraTargets == [101, 103, 104])
        #expect(rest.rows == 3)
        #expect(table == before, "a copy that shared the storage keeps its rows")
    }

    /// The split in place gives the parts `split` gives, and the training rows stay in
    /// the storage they were read into.
    @Test func splitOffValidationKeepsTheTrainingRowsInPlace() throws {
        var table = LabelledTable(features: (0..<40).map(Float.init), featureCount: 2, featureNames: ["x", "y"],
                                  labels: (0..<20).map { String($0 % 3) }, rows: 20, lineNumbers: Array(2...21),
                                  sampleShape: [2])
        let split = try table.split(fraction: 0.25, shuffle: true, seed: 7)
        let storage = table.features.withUnsafeBufferPointer { $0.baseAddress }
        let (validation, warnings) = try table.splitOffValidation(fraction: 0.25, shuffle: true, seed: 7)
        #expect(table == split.train)
        #expect(validation == split.validation)
        #expect(warnings == split.warnings)
        #expect(table.features.withUnsafeBufferPointer { $0.baseAddress } == storage)
    }

    /// `prepare` hands each table to its dataset, which normalises the features where they
    /// were read: a run's data is never held twice.
    @Test(arguments: [NormalizeKind.scale, .standardize])
    func prepareNormalisesTheTablesInPlace(kind: NormalizeKind) throws {
        // A training table made in place, its features with storage of their own (not the
        // shared table's), so that nothing but `raw` holds them.
        let raw = RawData(train: LabelledTable(features: Self.table.features.map { $0 + 0 }, featureCount: 2,
                                               featureNames: ["x", "y"], labels: Self.table.labels, rows: 5,
                                               lineNumbers: Self.table.lineNumbers, sampleShape: [2]),
                          validation: nil, test: nil, trainFile: "t.csv", validationFile: nil, testFile: nil, inputShape: [2])
        let storage = raw.train.features.withUnsafeBufferPointer { $0.baseAddress }
        let data = try (consume raw).prepare(normalize: kind, classCount: 3, configPath: "p")
        #expect(data.train.features.withUnsafeBufferPointer { $0.baseAddress } == storage)
        #expect(data.train.features != Self.table.features)
        #expect(data.train.features == (try Dataset(table: Self.table, encoding: data.classes,
                                                    normalization: data.normalization, file: "t.csv")).features)
    }
}

extension LabelledTable.Split {
    var parts: (LabelledTable, LabelledTable) { (train, validation) }
}

import Testing
@testable import DNN

/// The contract's class-index rule: integer labels 0..<C as they are, anything else
/// sorted (numerically when all are numbers) and numbered.
@Suite struct ClassEncodingTests {
    @Test func integerLabelsInRangeAreUsedAsTheyAre() throws {
        let encoding = try ClassEncoding.infer(labels: ["2", "0", "1", "0"], classCount: 3, configPath: "model.layers[2].out")
        #expect(encoding.names == ["0", "1", "2"])
        #expect(try encoding.encode(["2", "0", "1", "1.0", "02"], file: "f.csv", lineNumbers: [2, 3, 4, 5, 6])
            == [2, 0, 1, 1, 2])
        // Class 3 never appears in training but fits the model's 4 outputs.
        let wide = try ClassEncoding.infer(labels: ["0", "1.0", "2"], classCount: 4, configPath: "p")
        #expect(wide.names == ["0", "1", "2", "3"])
    }

    @Test func otherNumbersAreSortedNumerically() throws {
        let encoding = try ClassEncoding.infer(labels: ["3", "1", "2", "3"], classCount: 3, configPath: "p")
        #expect(encoding.names == ["1", "2", "3"])
        #expect(try encoding.encode(["1", "3", "2.0", "01"], file: "f", lineNumbers: [1, 2, 3, 4]) == [0, 2, 1, 0])

        let tens = try ClassEncoding.infer(labels: ["10", "9", "-1", "2.5"], classCount: 4, configPath: "p")
        #expect(tens.names == ["-1", "2.5", "9", "10"])
        #expect(try tens.encode(["10", "9", "2.50"], file: "f", lineNumbers: [1, 2, 3]) == [3, 2, 1])
    }

    @Test func stringsAreSortedAsStrings() throws {
        let labels = ["virginica", "setosa", "versicolor", "setosa"]
        let encoding = try ClassEncoding.infer(labels: labels, classCount: 3, configPath: "p")
        #expect(encoding.names == ["setosa", "versicolor", "virginica"])
        #expect(try encoding.encode(labels, file: "f", lineNumbers: [2, 3, 4, 5]) == [2, 0, 1, 0])
        // Mixed numbers and words sort as strings.
        let mixed = try ClassEncoding.infer(labels: ["b", "10", "9"], classCount: 3, configPath: "p")
        #expect(mixed.names == ["10", "9", "b"])
        #expect(try mixed.encode(["9"], file: "f", lineNumbers: [1]) == [1])
    }

    @Test func classCountMismatchIsAConfigError() throws {
        let error = try #require(dataTestError {
            try ClassEncoding.infer(labels: ["d", "a", "c", "b"], classCount: 3, configPath: "model.layers[5].out")
        })
        #expect(error.kind == .config)
        #expect(error.location == "model.layers[5].out")
        #expect(error.message == "the training labels have 4 classes (a, b, c, d) but the last layer outputs 3")

        let numbers = try #require(dataTestError {
            try ClassEncoding.infer(labels: ["1", "2", "3"], classCount: 2, configPath: "p")
        })
        #expect(numbers.message == "the training labels have 3 classes (1, 2, 3) but the last layer outputs 2")
    }

    @Test func unknownLabelInValidationNamesItsLine() throws {
        let encoding = try ClassEncoding.infer(labels: ["cat", "dog"], classCount: 2, configPath: "p")
        let error = try #require(dataTestError {
            try encoding.encode(["dog", "bird"], file: "val.csv", lineNumbers: [2, 7])
        })
        #expect(error.kind == .data)
        #expect(error.location == "val.csv:7")
        #expect(error.message == "unknown class 'bird' (known: cat, dog)")

        let digits = try ClassEncoding.infer(labels: ["0", "1"], classCount: 2, configPath: "p")
        let error2 = try #require(dataTestError { try digits.encode(["1", "1.5"], file: "v", lineNumbers: [1, 2]) })
        #expect(error2.message == "unknown class '1.5' (known: 0, 1)")
    }

    @Test func notNumbers() {
        #expect(ClassEncoding.numericValue("nan") == nil)
        #expect(ClassEncoding.numericValue("-inf") == nil)
        #expect(ClassEncoding.numericValue("0x10") == nil)
        #expect(ClassEncoding.numericValue("1e3") == 1000)
        #expect(ClassEncoding.numericValue(" 1") == nil)
    }
}

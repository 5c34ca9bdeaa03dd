import Foundation
import Testing
@testable import DNN

/// The encoding of CSV tables as real files come (`features`, `categorical`, `missing`,
/// `separator`, `header`): scikit-learn's `OneHotEncoder(handle_unknown="ignore")` and
/// `SimpleImputer(strategy, add_indicator=True)` on the same rows, written by
/// tools/make_csv_encoding_fixtures.py into Fixtures/csv_encoding.json; the errors that
/// name the key to set; and the encoding's round trip through checkpoint metadata.
@Suite struct CSVEncodingTests {
    static func fixture() throws -> JSON {
        let path = TestPaths.fixtures + "/csv_encoding.json"
        return try JSON.parse(try String(contentsOfFile: path, encoding: .utf8), file: path)
    }

    static func options(categorical: [String], strategy: String, indicator: Bool) -> CSVOptions {
        var options = CSVOptions()
        options.categorical = categorical
        var missing = MissingValues()
        missing.strategy = ImputeStrategy(rawValue: strategy)!
        missing.indicator = indicator
        options.missing = missing
        return options
    }

    static func rows(_ json: JSON?) -> [Double] {
        (json?.array ?? []).flatMap { $0.array ?? [] }.compactMap(\.double)
    }

    /// Every strategy, with and without indicators: the names and values of the training
    /// and test rows equal scikit-learn's; the row without a label is skipped and reported.
    @Test func encodingMatchesScikitLearn() throws {
        let fixture = try Self.fixture()
        let folder = try DataTestFolder()
        let train = try folder.write("train.csv", try #require(fixture["train_csv"]?.stringValue))
        let test = try folder.write("test.csv", try #require(fixture["test_csv"]?.stringValue))
        let categorical = (fixture["categorical"]?.array ?? []).compactMap(\.stringValue)
        let cases = try #require(fixture["cases"]?.array)
        #expect(cases.count == 8)
        for item in cases {
            let strategy = try #require(item["strategy"]?.stringValue), indicator = item["indicator"]?.bool == true
            let options = Self.options(categorical: categorical, strategy: strategy, indicator: indicator)
            let rawTrain = try CSVReader.read(path: train, labels: ["y"], options: options)
            #expect(rawTrain.labels == fixture["train_labels"]?.array?.compactMap(\.stringValue))
            #expect(rawTrain.warnings == ["\(train): 1 row with a missing label skipped (the first at line 7)"])
            let encoding = TableEncoding.fit(rawTrain, missing: options.missing)
            let (encodedTrain, trainNote) = try encoding.apply(to: rawTrain, file: train, what: "data.train")
            let (encodedTest, testNote) = try encoding.apply(to: try CSVReader.read(path: test, labels: ["y"], options: options),
                                                             file: test, what: "data.test")
            let names = (item["names"]?.array ?? []).compactMap(\.stringValue)
            #expect(encodedTrain.featureNames == names, "\(strategy) \(indicator)")
            #expect(encodedTest.featureCount == names.count && encodedTrain.sampleShape == [names.count])
            // Float32 cells against float64 statistics: a mean of 7 values rounds once more.
            let trainError = maxRelativeDifference(encodedTrain.features.map(Double.init), Self.rows(item["train"]))
            let testError = maxRelativeDifference(encodedTest.features.map(Double.init), Self.rows(item["test"]))
            #expect(trainError < 1e-6 && testError < 1e-6, "\(strategy) \(indicator): \(trainError), \(testError)")
            #expect(trainNote == nil)
            #expect(testNote == "data.test (\(test)): 2 categorical values never seen in training encoded as all zeros (b: 1, d: 1)")
            #expect(try TableEncoding(json: try JSON.parse(encoding.json.serialized(pretty: false), file: "m"),
                                      location: "m") == encoding)
        }
    }

    /// `features` picks and orders the columns; `header: false` names them by number, and a
    /// UCR-style tab-separated file reads with the label in column 0.
    @Test func featuresSeparatorAndHeaderless() throws {
        let folder = try DataTestFolder()
        let file = try folder.write("t.csv", "a;b;label;c\n1;2;x;3\n4;5;y;6\n")
        var options = CSVOptions()
        options.separator = UInt8(ascii: ";")
        options.features = ["c", "a"]
        let table = try CSVReader.read(path: file, labels: ["label"], options: options)
        let (encoded, _) = try TableEncoding.fit(table, missing: nil).apply(to: table, file: file, what: "data.train")
        #expect(encoded.featureNames == ["c", "a"] && encoded.features == [3, 1, 6, 4] && encoded.labels == ["x", "y"])

        let ucr = try folder.write("ucr.tsv", "1\t0.5\t-0.25\n2\t1.5\t2\n")
        var tsv = CSVOptions()
        tsv.header = false
        tsv.separator = UInt8(ascii: "\t")
        let series = try CSVReader.read(path: ucr, labels: ["0"], options: tsv)
        #expect(series.featureNames == ["1", "2"] && series.features == [0.5, -0.25, 1.5, 2] && series.labels == ["1", "2"])
        #expect(series.lineNumbers == [1, 2])
        let json: JSON = ["format": "csv", "path": .string(ucr), "header": false, "separator": "\t", "label": 0]
        let config = try ConfigDecoder(baseDirectory: "/").source(json, at: "data.train").source
        #expect(config == .csv(path: ucr, labels: ["0"], options: tsv))
    }

    /// The errors name the key that fixes them: `categorical` for text in a numeric
    /// column, `missing` for a missing cell, `separator` for a header that did not split.
    @Test func errorsNameTheKeyToSet() throws {
        let folder = try DataTestFolder()
        let text = try folder.write("text.csv", "island,mass,species\nDream,3,a\n")
        let textError = try #require(dataTestError { try CSVReader.read(path: text, labelColumn: "species") })
        #expect(textError.location == "\(text):2:1" && textError.hint?.contains("\"categorical\"") == true, "\(textError)")
        let missing = try folder.write("missing.csv", "mass,species\nNA,a\n")
        let missingError = try #require(dataTestError { try CSVReader.read(path: missing, labelColumn: "species") })
        #expect(missingError.hint?.contains("\"missing\"") == true, "\(missingError)")
        let empty = try folder.write("empty.csv", "mass,species\n,a\n")
        #expect(dataTestError { try CSVReader.read(path: empty, labelColumn: "species") }?.hint?.contains("\"missing\"") == true)
        let semicolons = try folder.write("semi.csv", "mass;species\n3;a\n")
        let separatorError = try #require(dataTestError { try CSVReader.read(path: semicolons, labelColumn: "species") })
        #expect(separatorError.location == "\(semicolons):1:1" && separatorError.hint == "set \"separator\": \";\" in the csv source",
                "\(separatorError)")
        var options = CSVOptions()
        options.categorical = ["island"]
        let emptyCategory = try folder.write("empty-category.csv", "island,mass,species\n,3,a\n")
        let emptyCategoryError = try #require(dataTestError {
            try CSVReader.read(path: emptyCategory, labels: ["species"], options: options)
        })
        #expect(emptyCategoryError.location == "\(emptyCategory):2:1" && emptyCategoryError.hint?.contains("\"missing\"") == true)
        options.categorical = ["islnd"]
        let columnError = try #require(dataTestError {
            try CSVReader.read(path: text, labels: ["species"], options: options, sourcePath: "data.test")
        })
        #expect(columnError.kind == .config && columnError.location == "data.test.categorical[0]"
                && columnError.hint == "did you mean 'island'?", "\(columnError)")
    }

    /// Config errors carry the JSON path and the nearest key or choice.
    @Test func configErrorsCarryThePath() throws {
        func error(_ extra: [(key: String, value: JSON)]) -> DNNError? {
            let json = JSON.object([("format", "csv"), ("path", "d.csv"), ("label", "y")] + extra)
            return dataTestError { try ConfigDecoder(baseDirectory: "/").source(json, at: "data.train") }
        }
        let key = error([("missing", ["strategey": "median"])])
        #expect(key?.location == "data.train.missing.strategey" && key?.hint == "did you mean 'strategy'?", "\(String(describing: key))")
        let choice = error([("missing", ["strategy": "medain"])])
        #expect(choice?.location == "data.train.missing.strategy" && choice?.description.contains("median") == true)
        let categorcal = error([("categorcal", ["a"])])
        #expect(categorcal?.location == "data.train.categorcal" && categorcal?.hint == "did you mean 'categorical'?")
        let separator = error([("separator", ";;")])
        #expect(separator?.location == "data.train.separator")
        let notFeature = error([("features", ["a"]), ("categorical", ["b"])])
        #expect(notFeature?.location == "data.train.categorical[0]")
        let labelFeature = error([("features", ["y"])])
        #expect(labelFeature?.location == "data.train.features[0]")
    }
}

import Foundation
import Testing
@testable import DNN
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `dnn inspect`, `dnn predict` and `dnn plot` as a user runs them.
@Suite(.serialized) struct CLIToolsTests {
    static let models = (try? Fixtures.cases("example_models.json")) ?? []
    static let names = models.compactMap { $0["name"]?.stringValue }

    /// Layer output shapes and parameter counts as PyTorch counts them (fixture
    /// example_models.json, written by tools/make_fixtures.py from configs/).
    @Test("inspect matches PyTorch's shapes and parameter counts", arguments: names)
    func inspectMatchesPyTorch(name: String) throws {
        let fixture = try #require(Self.models.first { $0["name"]?.stringValue == name })
        let shape = (fixture["input_shape"]?.array ?? []).map { String($0.int ?? 0) }.joined(separator: ",")
        let result = try CLI.run(["inspect", TestPaths.packageRoot + "/configs/" + name, "--json",
                                  "--set", "model.input_shape=[\(shape)]"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSON.parse(result.stdout, file: "stdout")
        let top = (json["layers"]?.array ?? []).filter { $0["depth"]?.int == 0 }
        let expected = fixture["layers"]?.array ?? []
        #expect(top.count == expected.count)
        for (row, reference) in zip(top, expected) {
            #expect(row["output_shape"] == reference["output_shape"], "\(name) \(row["name"]?.stringValue ?? "")")
            #expect(row["parameters"]?.int == reference["parameters"]?.int, "\(name) \(row["name"]?.stringValue ?? "")")
        }
        #expect(json["parameters"]?.int == fixture["parameters"]?.int)
    }

    @Test func inspectPrintsATableAndCheckpointFacts() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let table = try CLI.run(["inspect", config])
        #expect(table.status == 0)
        #expect(table.stdout.contains("1 batchnorm") && table.stdout.contains("total"))
        // 4·16 + 16 + 2·16 (batchnorm) + 16·3 + 3 parameters
        #expect(table.stdout.contains("163"))
        #expect(try CLI.run(["train", config, "--out", directory + "/run", "--quiet"]).status == 0)
        let checkpoint = try CLI.run(["inspect", directory + "/run/best.safetensors"])
        #expect(checkpoint.status == 0)
        #expect(checkpoint.stdout.contains("classes (3): setosa, versicolor, virginica"))
        #expect(checkpoint.stdout.contains("normalization: standardize"))
        #expect(checkpoint.stdout.contains("checkpoint: epoch"))
    }

    /// Splits CSV text into records of fields (RFC 4180 quoting).
    static func parseCSV(_ text: String) -> [[String]] {
        var records: [[String]] = [], field = "", record: [String] = [], quoted = false
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { record.append(field); field = "" }
            else if c == "\n" { record.append(field); records.append(record); record = []; field = "" }
            else { field.append(c) }
        }
        return records
    }

    @Test func predictWritesCSVThatAgreesWithEval() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        #expect(try CLI.run(["train", config, "--out", directory + "/run", "--quiet"]).status == 0)
        let checkpoint = directory + "/run/best.safetensors"
        let result = try CLI.run(["predict", checkpoint, CLITrainTests.iris, "--probabilities"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = Self.parseCSV(result.stdout)
        #expect(rows.first == ["index", "predicted", "label", "p_setosa", "p_versicolor", "p_virginica"])
        #expect(rows.count == 151)
        for row in rows.dropFirst() {
            #expect(row.count == 6)
            let probabilities = row[3...].compactMap(Double.init)
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-4)
        }
        let accuracy = Double(rows.dropFirst().filter { $0[1] == $0[2] }.count) / 150
        let eval = try JSON.parse(try CLI.run(["eval", checkpoint, "--data", CLITrainTests.iris, "--json"]).stdout,
                                  file: "eval")
        #expect(abs(accuracy - (eval["accuracy"]?.double ?? -1)) < 1e-12)

        // Unlabelled data: the same predictions, no label column.
        let unlabelled = directory + "/unlabelled.csv"
        let lines = try String(contentsOfFile: CLITrainTests.iris, encoding: .utf8).split(separator: "\n")
        try lines.map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n")
            .write(toFile: unlabelled, atomically: true, encoding: .utf8)
        let bare = Self.parseCSV(try CLI.run(["predict", checkpoint, unlabelled]).stdout)
        #expect(bare.first == ["index", "predicted"])
        #expect(bare.dropFirst().map { $0[1] } == rows.dropFirst().map { $0[1] })
        // Bad input: the wrong number of features.
        let wrong = directory + "/wrong.csv"
        try "a,b\n1,2\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let error = try CLI.run(["predict", checkpoint, wrong])
        #expect(error.status == 2 && error.stderr.contains("wrong.csv"))
    }

    @Test(.enabled(if: TestPaths.hasMNIST, "../shared/data/mnist is absent: IDX prediction skipped"))
    func predictReadsIDXImages() throws {
        let directory = TestPaths.temporaryDirectory()
        let result = try CLI.run(["train", TestPaths.packageRoot + "/configs/mnist_mlp.json", "--out", directory,
                                  "--quiet", "--epochs", "1", "--set", "data.train.images=\(TestPaths.mnistImages)",
                                  "--set", "data.train.labels=\(TestPaths.mnistLabels)"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = Self.parseCSV(try CLI.run(["predict", directory + "/best.safetensors", TestPaths.mnistImages]).stdout)
        #expect(rows.count == 10_001)
        #expect(rows.first == ["index", "predicted"])
        #expect(rows.dropFirst().allSatisfy { Int($0[1]).map { (0..<10).contains($0) } ?? false })
    }

    /// Collects the SVG's elements and attributes.
    final class SVGCollector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((elementName, attributes))
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { texts.append(string) }
    }

    @Test func plotWritesValidSVGWithEverySeries() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        #expect(try CLI.run(["train", config, "--out", directory + "/a", "--quiet"]).status == 0)
        #expect(try CLI.run(["train", config, "--out", directory + "/b", "--quiet", "--seed", "9"]).status == 0)
        for (runs, output) in [([directory + "/a"], directory + "/a/metrics.svg"),
                               ([directory + "/a", directory + "/b"], directory + "/both.svg")] {
            let result = try CLI.run(["plot"] + runs + (runs.count > 1 ? ["-o", output] : []))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == output)
            let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: output)))
            let collector = SVGCollector()
            parser.delegate = collector
            #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
            #expect(collector.elements.first?.name == "svg")
            let series = collector.elements.filter { $0.attributes["class"] == "series" }
            #expect(Set(series.compactMap { $0.attributes["data-series"] })
                == ["train_loss", "val_loss", "train_accuracy", "val_accuracy"])
            #expect(series.count == 4 * runs.count)
            // 4 epochs per run: 4 points per polyline.
            #expect(series.allSatisfy { ($0.attributes["points"] ?? "").split(separator: " ").count == 4 })
            #expect(collector.elements.filter { $0.attributes["class"] == "best" }.count == runs.count)
            #expect(collector.texts.contains("epoch") && collector.texts.contains("accuracy"))
        }
        let missing = try CLI.run(["plot", directory + "/nothing"])
        #expect(missing.status == 2 && missing.stderr.contains("metrics.jsonl"))
    }
}

/// Training progress in a terminal, in a pipe, and quiet.
@Suite struct ProgressReporterTests {
    static func output(_ style: ProgressReporter.Style) -> String {
        var text = ""
        let reporter = ProgressReporter(style: style) { text += $0 }
        for iteration in 1...10 {
            reporter.iteration(IterationProgress(epoch: 1, totalEpochs: 2, iteration: iteration, iterations: 10,
                                                 loss: 1 / Double(iteration), accuracy: 0.5, samplesPerSecond: 12_345,
                                                 epochSeconds: Double(iteration), lineDue: iteration % 5 == 0))
        }
        reporter.epochEnded(EpochMetrics(epoch: 1, trainLoss: 0.5, trainAccuracy: 0.8, validationLoss: 0.4,
                                         validationAccuracy: 0.9, learningRate: 0.01, gradientNorm: 1.5, seconds: 10,
                                         samplesPerSecond: 12_345), totalEpochs: 2)
        reporter.note("early stopping")
        return text
    }

    @Test func pipeGetsPlainLinesAtPrintEvery() {
        let text = Self.output(.lines)
        #expect(!text.contains("\r") && !text.contains("\u{1B}"))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "epoch 1 iter 5/10  loss 0.2000  acc 0.5000  12,345 samples/s")
        #expect(lines[2].hasPrefix("epoch 1/2  train_loss 0.5000"))
    }

    @Test func terminalGetsABarRedrawnInPlace() {
        let text = Self.output(.terminal(colors: true))
        #expect(text.contains("\r\u{1B}[K"))
        #expect(text.contains("10/10") && text.contains("ETA 0:00") && text.contains("[========================]"))
        #expect(text.contains("\u{1B}[32mval_loss"))
        // Redraws are throttled: not every iteration of a fast epoch is drawn.
        #expect(text.components(separatedBy: "\r\u{1B}[K").count < 12)
        let plain = Self.output(.terminal(colors: false))
        #expect(!plain.contains("\u{1B}[1m") && !plain.contains("\u{1B}[32m"))
    }

    @Test func quietPrintsNothingAndNoColorIsRespected() {
        #expect(Self.output(.quiet).isEmpty)
        #expect(ProgressReporter.styleForStandardError(quiet: true) == .quiet)
    }

    @Test func cliInAPipeNeverWritesCarriageReturns() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let result = try CLI.run(["train", config, "--out", directory + "/run"])
        #expect(result.status == 0)
        #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"))
        #expect(result.stdout.contains("best: epoch") && result.stdout.contains("checkpoints:"))
    }
}

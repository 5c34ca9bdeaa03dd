import Foundation
import Testing
@testable import DNN

/// Regression through the built binary on configs/regression.json (data/regression.csv, two
/// targets, standardised features and targets): the metrics rows, `dnn eval --json`, `dnn
/// predict` in the targets' original units, `dnn gradcheck`, `dnn export`, `dnn plot`,
/// `--resume`, and the config errors that need the data.
@Suite(.serialized) struct CLIRegressionTests {
    static let config = TestPaths.packageRoot + "/configs/regression.json"
    static let data = TestPaths.packageRoot + "/data/regression.csv"

    /// configs/regression.json trained for 4 epochs, once for the suite: its run directory.
    static let run: String = {
        let directory = TestPaths.temporaryDirectory() + "/run"
        _ = try? CLI.run(["train", config, "--out", directory, "--quiet", "--epochs", "4", "--threads", "2"])
        return directory
    }()

    /// The data file's target columns y1, y2 by row.
    static func fileTargets() throws -> [[Double]] {
        try String(contentsOfFile: data, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",").suffix(2).compactMap { Double($0) }
        }
    }

    @Test func metricsRowsCarryErrorsInsteadOfAccuracy() throws {
        let rows = try CLITrainTests.metrics(Self.run)
        #expect(rows.map { $0["epoch"]?.int } == [1, 2, 3, 4])
        for row in rows {
            #expect(row["train_accuracy"] == .null && row["val_accuracy"] == .null)
            for key in ["train_loss", "val_loss", "val_mae", "val_rmse", "val_r2"] {
                #expect(row[key]?.double?.isFinite == true, "metrics row lacks \(key)")
            }
            #expect(row["val_rmse"]!.double! >= row["val_mae"]!.double!)
        }
        // best.safetensors follows val_loss, the default monitor of regression (earliest on ties).
        let losses = rows.compactMap { $0["val_loss"]?.double }
        let bestEpoch = losses.firstIndex(of: losses.min()!)! + 1
        #expect(try Checkpoint.read(path: Self.run + "/best.safetensors").epoch == bestEpoch)
        let resolved = try JSON.parse(String(contentsOfFile: Self.run + "/config.json", encoding: .utf8), file: "c")
        #expect(resolved["solver"]?["monitor"] == "val_loss")
    }

    @Test func evalJSONMatchesTheBestEpochsValidation() throws {
        let result = try CLI.run(["eval", Self.run + "/best.safetensors", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let eval = try JSON.parse(result.stdout, file: "stdout")
        #expect(eval["samples"]?.int == 120 && eval["accuracy"] == .null)
        #expect(eval["targets"] == ["y1", "y2"])
        let epoch = try Checkpoint.read(path: Self.run + "/best.safetensors").epoch
        let row = try #require(try CLITrainTests.metrics(Self.run).first { $0["epoch"]?.int == epoch })
        for (key, metric) in [("loss", "val_loss"), ("mae", "val_mae"), ("rmse", "val_rmse"), ("r2", "val_r2")] {
            let value = try #require(eval[key]?.double), expected = try #require(row[metric]?.double)
            #expect(abs(value - expected) <= 1e-6 * Swift.max(1, abs(expected)), "\(key) \(value) vs \(metric) \(expected)")
        }
        let text = try CLI.run(["eval", Self.run + "/best.safetensors"])
        #expect(text.status == 0 && text.stdout.contains("mae ") && text.stdout.contains("r2 "), "\(text.stdout)")
    }

    /// `dnn predict` prints values in original units: their MAE against the file's targets
    /// is `dnn eval`'s on the same file.
    @Test func predictPrintsValuesInOriginalUnits() throws {
        let predict = try CLI.run(["predict", Self.run + "/best.safetensors", Self.data])
        #expect(predict.status == 0, "\(predict.stderr)")
        let lines = predict.stdout.split(separator: "\n")
        #expect(lines.first == "index,y1,y2" && lines.count == 601)
        let predicted = lines.dropFirst().map { $0.split(separator: ",").dropFirst().compactMap { Double($0) } }
        let targets = try Self.fileTargets()
        #expect(predicted.allSatisfy { $0.count == 2 } && targets.count == 600)
        var absolute = 0.0
        for (row, values) in predicted.enumerated() {
            for j in 0..<2 { absolute += abs(values[j] - targets[row][j]) }
        }
        let eval = try JSON.parse(try CLI.run(["eval", Self.run + "/best.safetensors", "--data", Self.data, "--json"]).stdout,
                                  file: "eval")
        let mae = try #require(eval["mae"]?.double)
        #expect(abs(absolute / 1200 - mae) < 1e-5 * mae, "predict's MAE \(absolute / 1200), eval's \(mae)")
        // y2 is about 55 in the file: a standardised prediction would be near 0.
        let meanY2 = predicted.map { $0[1] }.reduce(0, +) / 600
        #expect(meanY2 > 45 && meanY2 < 65, "mean predicted y2 \(meanY2)")
    }

    @Test func gradcheckPassesOnTheExampleConfig() throws {
        let result = try CLI.run(["gradcheck", Self.config, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSON.parse(result.stdout, file: "stdout")
        let checks = json["checks"]?.array ?? []
        #expect(checks.count == 12)
        #expect(checks.allSatisfy { ($0["relative_error"]?.double ?? 1) < 1e-6 })
        #expect(json["expected_loss"] == .null)
        for loss in ["l1", "huber"] {
            #expect(try CLI.run(["gradcheck", Self.config, "--set", "loss.type=\(loss)"]).status == 0, "\(loss)")
        }
    }

    @Test func exportWritesPredictionInOriginalUnits() throws {
        let output = TestPaths.temporaryDirectory() + "/model.onnx"
        let result = try CLI.run(["export", Self.run + "/best.safetensors", "-o", output])
        try #require(result.status == 0, "\(result.stderr)")
        let model = try DecodedONNXModel(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(model.outputs.map(\.name) == ["prediction"])
        #expect(model.nodes.map(\.opType) == ["Sub", "Div", "Gemm", "Tanh", "Gemm", "Tanh", "Gemm", "Mul", "Add"])
        #expect(model.nodes.last?.outputs == ["prediction"])
        #expect(model.metadata["classes"] == nil && model.metadata["targets"] == #"["y1","y2"]"#)
        let checkpoint = try Checkpoint.read(path: Self.run + "/best.safetensors")
        guard case let .standardize(mean, std) = checkpoint.targetNormalization else {
            Issue.record("the checkpoint has no target standardisation")
            return
        }
        let initializers = Dictionary(uniqueKeysWithValues: model.initializers.map { ($0.name, $0.floats) })
        #expect(initializers["target.std"] == std && initializers["target.mean"] == mean)
        #expect(mean[1] > 45, "y2's mean, about 55")
    }

    @Test func plotShowsValidationRMSE() throws {
        let output = TestPaths.temporaryDirectory() + "/plot.svg"
        #expect(try CLI.run(["plot", Self.run, "-o", output]).status == 0)
        let svg = try String(contentsOfFile: output, encoding: .utf8)
        #expect(svg.contains("data-metric=\"RMSE\"") && svg.contains("data-series=\"val_rmse\""))
    }

    @Test func resumeIsBitIdenticalToAnUninterruptedRun() throws {
        let directory = TestPaths.temporaryDirectory()
        let whole = directory + "/whole", split = directory + "/split"
        let options = ["--threads", "2", "--quiet", "--set", "solver.lr_schedule={\"type\": \"cosine\", \"t_max\": 4}"]
        #expect(try CLI.run(["train", Self.config, "--out", whole, "--epochs", "4"] + options).status == 0)
        #expect(try CLI.run(["train", Self.config, "--out", split, "--epochs", "2"] + options).status == 0)
        let resumed = try CLI.run(["train", Self.config, "--resume", split + "/last.safetensors", "--epochs", "4"] + options)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try FaultToleranceTests.metricsWithoutTimes(whole) == FaultToleranceTests.metricsWithoutTimes(split))
        let a = try SafeTensors.read(path: whole + "/last.safetensors")
        let b = try SafeTensors.read(path: split + "/last.safetensors")
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for (name, tensor) in a.tensors { #expect(b[name] == tensor, "\(name) differs after resume") }
    }

    /// Errors that need the data: each exits 2, names its config path and writes nothing.
    @Test func labelsThatDoNotSuitTheLossAreConfigErrors() throws {
        let directory = TestPaths.temporaryDirectory()
        let floats = directory + "/floats.csv"
        try "a,b,y\n1,2,0.5\n3,4,1.5\n5,6,2\n".write(toFile: floats, atomically: true, encoding: .utf8)
        let iris = TestPaths.packageRoot + "/data/iris.csv"
        let cases: [(overrides: [String], message: String)] = [
            (["loss.type=cross_entropy", "data.normalize_target=none", "data.train.path=\(floats)", "data.train.label=y",
              "data.validation=null"],
             "data.train.label: cross_entropy needs classes, but the column holds non-integer numbers ('0.5' at \(floats) line 2) (for numeric targets use loss.type mse, l1 or huber)"),
            (["data.train.path=\(iris)", "data.train.label=species", "model.layers.4.out=1"],
             "data.train.label: mse needs numeric targets, but \(iris) line 2 holds"),
            (["model.layers.4.out=3"],
             "model.layers[4].out: the network predicts 3 values per sample, but data.train.label names 2 target columns (set the last layer's out to 2)"),
            (["solver.monitor=val_accuracy"], "solver.monitor: val_accuracy needs classes"),
            (["data.train.label=[\"y1\", \"y3\"]"], "target column 'y3' is not in the header"),
        ]
        for (index, test) in cases.enumerated() {
            let run = directory + "/run\(index)"
            let result = try CLI.run(["train", Self.config, "--out", run] + test.overrides.flatMap { ["--set", $0] })
            #expect(result.status == 2, "\(test.overrides): \(result.stderr)")
            #expect(result.stderr.contains(test.message), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: run))
        }
    }
}

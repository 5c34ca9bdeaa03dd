import Foundation
import Testing
@testable import DNN

/// `dnn convert`, and `dnn train` and `dnn predict` on NumPy and CIFAR files, through the
/// built binary: exit codes, messages, and what is (not) written.
@Suite struct CLIArrayTests {
    static let arrays = NumPyReaderTests.folder

    static func withoutTimes(_ rows: [JSON]) -> [String] {
        rows.map { row in
            JSON.object((row.object ?? []).filter { $0.key != "seconds" && $0.key != "samples_per_second" })
                .serialized(pretty: false)
        }
    }

    /// CSV -> NPZ (train and validation splits) -> train both: the same metrics, epoch for
    /// epoch, batchnorm and dropout included.
    @Test func trainingOnConvertedSplitsGivesTheSameMetrics() throws {
        let directory = TestPaths.temporaryDirectory()
        let csvConfig = try CLITrainTests.writeConfig(directory)
        for split in ["train", "validation"] {
            let result = try CLI.run(["convert", csvConfig, "-o", "\(directory)/\(split).npz", "--split", split])
            #expect(result.status == 0, "\(result.stderr)")
        }
        var text = try String(contentsOfFile: csvConfig, encoding: .utf8)
        text = text.replacingOccurrences(of: #"{"format": "csv", "path": "\#(CLITrainTests.iris)", "label": "species"}"#,
                                         with: #"{"format": "npz", "path": "train.npz"}"#)
        text = text.replacingOccurrences(of: #"{"split": 0.2}"#, with: #"{"format": "npz", "path": "validation.npz"}"#)
        let npzConfig = directory + "/npz.json"
        try text.write(toFile: npzConfig, atomically: true, encoding: .utf8)
        for (config, run) in [(csvConfig, "csv"), (npzConfig, "npz")] {
            let result = try CLI.run(["train", config, "--out", "\(directory)/\(run)", "--threads", "2", "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let csv = try CLITrainTests.metrics(directory + "/csv"), npz = try CLITrainTests.metrics(directory + "/npz")
        #expect(csv.count == 4)
        #expect(Self.withoutTimes(csv) == Self.withoutTimes(npz))
        // The archive as NumPy would see it: names, classes and float32 features.
        let archive = try ZipArchive.open(path: directory + "/train.npz")
        #expect(archive.arrayNames == ["x", "y", "classes", "features"])
        #expect(try archive.array("classes").texts() == ["setosa", "versicolor", "virginica"])
        #expect(try archive.array("x").shape == [120, 4] && archive.array("y").dtype.name == "<i8")
        // predict reads .npy and .npz alike, and as the CSV rows they came from.
        let checkpoint = directory + "/npz/best.safetensors"
        let fromNPZ = try CLI.run(["predict", checkpoint, directory + "/validation.npz"])
        #expect(fromNPZ.status == 0 && fromNPZ.stdout.split(separator: "\n").count == 31, "\(fromNPZ.stderr)")
        let ofCSV = try CLI.run(["predict", directory + "/csv/best.safetensors", directory + "/validation.npz"])
        #expect(ofCSV.stdout == fromNPZ.stdout)
        // eval --data on the validation split's archive scores what training's last epoch did.
        let evaluated = try CLI.run(["eval", directory + "/npz/last.safetensors", "--data", directory + "/validation.npz", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let scores = try JSON.parse(evaluated.stdout, file: "eval")
        #expect(scores["samples"]?.int == 30)
        #expect(scores["accuracy"]?.double == npz.last?["val_accuracy"]?.double)
    }

    /// The example configs/iris_npz.json (data/iris.npz by tools/make_iris_npz.py, deflated
    /// by NumPy) trains as configs/iris.json does on the CSV.
    @Test func exampleNPZConfigMatchesTheCSVOne() throws {
        let directory = TestPaths.temporaryDirectory()
        for name in ["iris", "iris_npz"] {
            let result = try CLI.run(["train", TestPaths.packageRoot + "/configs/\(name).json", "--out", "\(directory)/\(name)",
                                      "--epochs", "3", "--threads", "2", "--quiet"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let csv = try CLITrainTests.metrics(directory + "/iris"), npz = try CLITrainTests.metrics(directory + "/iris_npz")
        #expect(csv.count == 3 && Self.withoutTimes(csv) == Self.withoutTimes(npz))
    }

    /// configs/regression.json (two targets, normalize_target) through .npz files: float32
    /// targets of shape (N, 2), named by the source's "targets".
    @Test func regressionThroughConvertedSplits() throws {
        let directory = TestPaths.temporaryDirectory()
        let source = TestPaths.packageRoot + "/configs/regression.json"
        for split in ["train", "validation"] {
            let result = try CLI.run(["convert", source, "-o", "\(directory)/\(split).npz", "--split", split])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let y = try ZipArchive.open(path: directory + "/train.npz").array("y")
        #expect(y.dtype.name == "<f4" && y.shape == [480, 2])
        let npz = #"{"format": "npz", "path": "%@.npz", "targets": ["y1", "y2"]}"#
        let sets = ["data.train=" + npz.replacingOccurrences(of: "%@", with: directory + "/train"),
                    "data.validation=" + npz.replacingOccurrences(of: "%@", with: directory + "/validation")]
        for (run, overrides) in [("csv", [String]()), ("npz", sets)] {
            let result = try CLI.run(["train", source, "--out", "\(directory)/\(run)", "--epochs", "3", "--threads", "2", "--quiet"]
                                     + overrides.flatMap { ["--set", $0] })
            #expect(result.status == 0, "\(result.stderr)")
        }
        let resolved = try String(contentsOfFile: directory + "/npz/config.json", encoding: .utf8)
        #expect(resolved.contains(#""format": "npz""#) && !resolved.contains("regression.csv"))
        let csv = try CLITrainTests.metrics(directory + "/csv"), converted = try CLITrainTests.metrics(directory + "/npz")
        #expect(csv.count == 3 && Self.withoutTimes(csv) == Self.withoutTimes(converted))
    }

    /// An `.npz` whose y is (N, 2) float32 trains as two regression targets with no
    /// `"targets"` key (the contract: "(N, D) floats are D targets"): they are named y0 and
    /// y1 in the resolved config, the metrics are those of the named run, and `dnn eval`
    /// scores the validation archive with the last epoch's validation metrics.
    @Test func twoColumnTargetsNeedNoNames() throws {
        let directory = TestPaths.temporaryDirectory()
        let source = TestPaths.packageRoot + "/configs/regression.json"
        for split in ["train", "validation"] {
            let result = try CLI.run(["convert", source, "-o", "\(directory)/\(split).npz", "--split", split])
            #expect(result.status == 0, "\(result.stderr)")
        }
        for (run, targets) in [("named", #", "targets": ["y1", "y2"]"#), ("unnamed", "")] {
            let npz = #"{"format": "npz", "path": "\#(directory)/%@.npz"\#(targets)}"#
            let sets = ["data.train=" + npz.replacingOccurrences(of: "%@", with: "train"),
                        "data.validation=" + npz.replacingOccurrences(of: "%@", with: "validation")]
            let result = try CLI.run(["train", source, "--out", "\(directory)/\(run)", "--epochs", "2", "--threads", "2", "--quiet"]
                                     + sets.flatMap { ["--set", $0] })
            #expect(result.status == 0, "\(result.stderr)")
        }
        let resolved = try JSON.parse(String(contentsOfFile: directory + "/unnamed/config.json", encoding: .utf8), file: "config")
        #expect(resolved["data"]?["train"]?["targets"] == ["y0", "y1"])
        let unnamed = try CLITrainTests.metrics(directory + "/unnamed")
        let named = try CLITrainTests.metrics(directory + "/named")
        #expect(unnamed.count == 2 && Self.withoutTimes(unnamed) == Self.withoutTimes(named))
        let evaluated = try CLI.run(["eval", directory + "/unnamed/last.safetensors", "--data", directory + "/validation.npz", "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let scores = try JSON.parse(evaluated.stdout, file: "eval")
        #expect(scores["targets"] == ["y0", "y1"] && scores["samples"]?.int == 120)
        #expect(scores["rmse"]?.double == unnamed.last?["val_rmse"]?.double)
        let predicted = try CLI.run(["predict", directory + "/unnamed/last.safetensors", directory + "/validation.npz"])
        #expect(predicted.status == 0 && predicted.stdout.hasPrefix("index,y0,y1\n"), "\(predicted.stderr)")
    }

    @Test func refusedConversionsWriteNothing() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = try CLITrainTests.writeConfig(directory)
        let output = directory + "/out.npz"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: output))
        for arguments in [["--split", "test"], ["--split", "tset"], ["--set", "model.layers.4.out=2"]] {
            let result = try CLI.run(["convert", config, "-o", output] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(try String(contentsOfFile: output, encoding: .utf8) == "keep me")
        }
        let intoSource = try CLI.run(["convert", config, "-o", CLITrainTests.iris.replacingOccurrences(of: ".csv", with: ".npz"),
                                      "--set", "data.train.path=\(directory)/x.npz"])
        #expect(intoSource.status == 2)
        let noSuffix = try CLI.run(["convert", config, "-o", directory + "/out.bin"])
        #expect(noSuffix.status == 2 && !FileManager.default.fileExists(atPath: directory + "/out.bin"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["config.json", "out.npz"])
    }

    @Test func damagedArraysAreExitTwoNamingTheMember() throws {
        let directory = TestPaths.temporaryDirectory()
        for (source, expected) in [
            (#"{"format": "npz", "path": "\#(Self.arrays)/bad_crc.npz", "x": "x_train", "y": "y_train"}"#, "member 'x_train.npy': CRC-32"),
            (#"{"format": "npz", "path": "\#(Self.arrays)/bad_bomb.npz"}"#, "inflates past its stated size"),
            (#"{"format": "npy", "x": "\#(Self.arrays)/bad_object.npy", "y": "\#(Self.arrays)/i8_le.npy"}"#, "refuses to unpickle"),
            (#"{"format": "npy", "x": "\#(Self.arrays)/bad_absurd_shape.npy", "y": "\#(Self.arrays)/i8_le.npy"}"#, "(4611686018427387904,)"),
        ] {
            let config = directory + "/bad.json"
            try #"{"data": {"train": \#(source)}, "model": {"layers": [{"type": "linear", "out": 2}]}, "solver": {"epochs": 1, "optimizer": {"type": "sgd"}}}"#
                .write(toFile: config, atomically: true, encoding: .utf8)
            let result = try CLI.run(["train", config, "--out", directory + "/run"])
            #expect(result.status == 2 && result.stderr.contains(expected), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory + "/run"))
        }
    }

    /// CIFAR-10 batches train, and convert to uint8 images.
    @Test func cifarTrainsAndConvertsToBytes() throws {
        let directory = TestPaths.temporaryDirectory()
        let config = directory + "/cifar.json"
        let files = ["data_batch_1.bin", "data_batch_2.bin"].map { "\"\(Self.arrays)/cifar10/\($0)\"" }.joined(separator: ", ")
        try #"""
        {"seed": 1, "data": {"train": {"format": "cifar10", "files": [\#(files)]}, "normalize": "scale"},
         "model": {"layers": [{"type": "conv2d", "out": 2, "kernel": 3, "stride": 4}, {"type": "flatten"}, {"type": "linear", "out": 10}]},
         "solver": {"epochs": 2, "batch_size": 2, "optimizer": {"type": "sgd", "lr": 0.01}}}
        """#.write(toFile: config, atomically: true, encoding: .utf8)
        let trained = try CLI.run(["train", config, "--out", directory + "/run", "--quiet"])
        #expect(trained.status == 0, "\(trained.stderr)")
        let checkpoint = try Checkpoint.read(path: directory + "/run/last.safetensors")
        #expect(checkpoint.classes.names.first == "airplane" && checkpoint.classes.names.count == 10)
        let converted = try CLI.run(["convert", config, "-o", directory + "/cifar.npz"])
        #expect(converted.status == 0, "\(converted.stderr)")
        let x = try ZipArchive.open(path: directory + "/cifar.npz").array("x")
        #expect(x.dtype.name == "|u1" && x.shape == [5, 3, 32, 32])
        #expect(x.uint8Values()?.prefix(4) == [0, 1, 2, 3])
    }
}

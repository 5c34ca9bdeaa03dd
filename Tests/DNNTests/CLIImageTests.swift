import Foundation
import Testing
@testable import DNN

/// `dnn train`, `eval` and `predict` on image folders: the digits folder written by
/// `tools/make_digits_images.py` (with the same pixels as `data/digits_pixels.csv`), and
/// damaged files from `tools/make_image_fixtures.py`.
@Suite struct CLIImageTests {
    static let digits = TestPaths.packageRoot + "/data/digits"
    static let digitsCSV = TestPaths.packageRoot + "/data/digits_pixels.csv"

    /// A digits config with `train` as the source, written into `folder`.
    static func config(_ folder: String, train: String, inputShape: String = "", extra: String = "") throws -> String {
        let text = """
        {"seed": 3, "data": {"train": \(train), "validation": {"split": 0.2}, "normalize": "scale"\(extra)},
         "model": {\(inputShape) "layers": [{"type": "conv2d", "out": 8, "kernel": 3, "padding": 1}, {"type": "relu"},
           {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "out": 10}]},
         "solver": {"epochs": 1, "batch_size": 32, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.003}}}
        """
        let path = folder + "/config.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// metrics.jsonl without the timings.
    static func metrics(_ run: String) throws -> String {
        let text = try String(contentsOfFile: run + "/metrics.jsonl", encoding: .utf8)
        return text.replacingOccurrences(of: #""seconds":[^,]*,"samples_per_second":[^,]*,"#, with: "",
                                         options: .regularExpression)
    }

    @Test func aFolderAndACSVOfTheSamePixelsTrainAlike() throws {
        let folder = TestPaths.temporaryDirectory()
        let images = try Self.config(folder, train: #"{"format": "images", "path": "\#(Self.digits)", "channels": 1}"#)
        let first = try CLI.run(["train", images, "--out", folder + "/images", "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let table = try Self.config(folder, train: #"{"format": "csv", "path": "\#(Self.digitsCSV)", "label": "label"}"#,
                                    inputShape: #""input_shape": [1, 8, 8],"#)
        let second = try CLI.run(["train", table, "--out", folder + "/csv", "--quiet"])
        #expect(second.status == 0, "\(second.stderr)")
        let metrics = try Self.metrics(folder + "/images")
        #expect(metrics == (try Self.metrics(folder + "/csv")))
        #expect(metrics.contains("\"epoch\":1"))

        // eval and predict apply the checkpoint's channels and normalisation.
        let eval = try CLI.run(["eval", folder + "/images/last.safetensors", "--json"])
        #expect(eval.status == 0 && eval.stdout.contains("\"samples\":359"), "\(eval.stderr)")
        let predicted = try CLI.run(["predict", folder + "/images/last.safetensors", Self.digits + "/4"])
        let lines = predicted.stdout.split(separator: "\n")
        #expect(lines.first == "index,file,predicted")
        #expect(lines.count == 1 + 181)
        let fours = lines.dropFirst().filter { $0.hasSuffix(",4") }.count
        #expect(fours > 150, "\(fours) of 181 fours predicted as 4 after one epoch")
    }

    /// A copy of a few digits with `damaged` added to class 0; returns the folder.
    static func folderWith(_ damaged: String?, other: Bool = false) throws -> String {
        let folder = TestPaths.temporaryDirectory() + "/digits"
        for label in ["0", "1"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + label, withIntermediateDirectories: true)
            let names = try FileManager.default.contentsOfDirectory(atPath: digits + "/" + label).sorted().prefix(20)
            for name in names {
                try FileManager.default.copyItem(atPath: digits + "/\(label)/\(name)", toPath: folder + "/\(label)/\(name)")
            }
        }
        if let damaged {
            try FileManager.default.copyItem(atPath: PNGDecoderTests.folder + "/" + damaged, toPath: folder + "/0/" + damaged)
        }
        if other { try "notes".write(toFile: folder + "/1/README.txt", atomically: true, encoding: .utf8) }
        return folder
    }

    @Test(arguments: [("bad_crc.png", "bad CRC in chunk tEXt"), ("bad_truncated.png", "truncated"),
                      ("bad_bomb.png", "decompression bomb"), ("bad_dimensions.png", "100000 x 100000")])
    func aDamagedImageIsExit2NamingItAndNothingIsWritten(file: String, problem: String) throws {
        let folder = try Self.folderWith(file)
        let config = try Self.config(folder + "/..", train: #"{"format": "images", "path": "\#(folder)", "channels": 1}"#)
        let run = folder + "/../run"
        let result = try CLI.run(["train", config, "--out", run, "--quiet"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(file) && result.stderr.contains(problem), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: run))
    }

    @Test func skipBadSkipsAndCountsInOneLine() throws {
        let folder = try Self.folderWith("bad_crc.png", other: true)
        let config = try Self.config(folder + "/..",
                                     train: #"{"format": "images", "path": "\#(folder)", "channels": 1, "skip_bad": true}"#)
        // Without --quiet: warnings are notes of the run, which --quiet silences.
        let result = try CLI.run(["train", config, "--out", folder + "/../run"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("skipped 1 image that could not be decoded"), "\(result.stderr)")
        #expect(result.stderr.contains("skipped 1 file not ending in .png, .jpg or .jpeg"), "\(result.stderr)")
    }

    @Test func anImageOfAnotherSizeNamesBothSizesAndSize() throws {
        let folder = try Self.folderWith("resize_source.png")
        let config = try Self.config(folder + "/..", train: #"{"format": "images", "path": "\#(folder)", "channels": 1}"#)
        let result = try CLI.run(["train", config, "--out", folder + "/../run", "--quiet"])
        #expect(result.status == 2)
        for part in ["resize_source.png", "23 x 37", "8 x 8", "size"] {
            #expect(result.stderr.contains(part), "\(part) missing from \(result.stderr)")
        }
        // With size, it is resized and the run trains.
        let resized = try Self.config(folder + "/..",
                                      train: #"{"format": "images", "path": "\#(folder)", "channels": 1, "size": [8, 8]}"#)
        #expect(try CLI.run(["train", resized, "--out", folder + "/../run2", "--quiet"]).status == 0)
    }
}

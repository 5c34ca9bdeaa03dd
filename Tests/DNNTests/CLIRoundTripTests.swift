import Foundation
import Testing
@testable import DNN

/// The contract's round trips, through the built binary: the same pixels as a PNG folder,
/// an NPZ and a CSV train to the same metrics.jsonl, and `dnn convert` of a source then
/// training on the written `.npz` gives the metrics of the source (`seconds` aside).
/// Fixture: Fixtures/arrays/digits.npz, by tools/make_digits_npz.py (data/digits as NumPy
/// arrays, as Pillow decodes them).
@Suite struct CLIRoundTripTests {
    static let digitsNPZ = NumPyReaderTests.folder + "/digits.npz"

    /// Trains `config` (with `sets` as `--set` overrides) into `folder/run` and returns its
    /// metrics without timings.
    static func train(_ config: String, _ folder: String, _ run: String, _ sets: [String] = [],
                      epochs: String = "2") throws -> [String] {
        let result = try CLI.run(["train", config, "--out", "\(folder)/\(run)", "--epochs", epochs, "--threads", "2", "--quiet"]
                                 + sets.flatMap { ["--set", $0] })
        #expect(result.status == 0, "\(run): \(result.stderr)")
        return CLIArrayTests.withoutTimes(try CLITrainTests.metrics("\(folder)/\(run)"))
    }

    /// `dnn convert` of the train and validation splits of `config`, then `--set`s that
    /// train on the two archives.
    static func convertSplits(_ config: String, into folder: String, _ sets: [String] = []) throws -> [String] {
        for split in ["train", "validation"] {
            let result = try CLI.run(["convert", config, "-o", "\(folder)/\(split).npz", "--split", split]
                                     + sets.flatMap { ["--set", $0] })
            #expect(result.status == 0, "\(split): \(result.stderr)")
        }
        return ["train", "validation"].map { #"data.\#($0)={"format": "npz", "path": "\#(folder)/\#($0).npz"}"# }
    }

    @Test func aPNGFolderAnNPZAndACSVOfTheSamePixelsTrainAlike() throws {
        let folder = TestPaths.temporaryDirectory()
        let config = try CLIImageTests.config(folder, train: #"{"format": "images", "path": "\#(CLIImageTests.digits)", "channels": 1}"#)
        let images = try Self.train(config, folder, "images")
        let npz = try Self.train(config, folder, "npz", [#"data.train={"format": "npz", "path": "\#(Self.digitsNPZ)"}"#])
        let csv = try Self.train(config, folder, "csv", [#"data.train={"format": "csv", "path": "\#(CLIImageTests.digitsCSV)", "label": "label"}"#,
                                                         "model.input_shape=[1, 8, 8]"])
        #expect(images.count == 2 && images.first?.contains(#""val_accuracy""#) == true)
        #expect(npz == images)
        #expect(csv == images)
    }

    /// An image folder converted to uint8 (N, 1, 8, 8) arrays trains as the folder does.
    @Test func aConvertedImageFolderTrainsAsTheFolder() throws {
        let folder = TestPaths.temporaryDirectory()
        let config = try CLIImageTests.config(folder, train: #"{"format": "images", "path": "\#(CLIImageTests.digits)", "channels": 1}"#)
        let sets = try Self.convertSplits(config, into: folder)
        let x = try ZipArchive.open(path: folder + "/train.npz").array("x")
        #expect(x.dtype.name == "|u1" && x.shape == [1438, 1, 8, 8])
        let source = try Self.train(config, folder, "source"), converted = try Self.train(config, folder, "converted", sets)
        #expect(source.count == 2 && converted == source)
    }

    /// configs/penguins.json (text columns one-hot encoded, missing cells filled with
    /// indicators) converted to float32 features trains as the CSV does.
    @Test func theConvertedPenguinsCSVTrainsAsTheCSV() throws {
        let folder = TestPaths.temporaryDirectory()
        let config = TestPaths.packageRoot + "/configs/penguins.json"
        let sets = try Self.convertSplits(config, into: folder)
        let features = try ZipArchive.open(path: folder + "/train.npz").array("features").texts()
        #expect(features == ["island=Biscoe", "island=Dream", "island=Torgersen", "bill_length_mm", "bill_depth_mm",
                             "flipper_length_mm", "body_mass_g", "sex=female", "sex=male", "sex=<missing>",
                             "missing:bill_length_mm", "missing:bill_depth_mm", "missing:flipper_length_mm",
                             "missing:body_mass_g", "missing:sex"])
        let source = try Self.train(config, folder, "source", epochs: "3")
        let converted = try Self.train(config, folder, "converted", sets, epochs: "3")
        #expect(source.count == 3 && converted == source)
    }
}

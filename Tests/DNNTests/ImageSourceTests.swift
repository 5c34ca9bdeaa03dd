import Foundation
import Testing
@testable import DNN

/// The images source: its config keys, the index CSV, byte storage gathered into the
/// floats a float table would hold, and the per-channel normalisation.
@Suite struct ImageSourceTests {
    static func data(_ train: String, normalize: String = "\"scale\"") -> String {
        #"{"train": \#(train), "normalize": \#(normalize)}"#
    }

    @Test func decodesFolderAndIndexSourcesWithTheirKeys() throws {
        let folder = ConfigFixtures.config(data: Self.data(#"{"format": "images", "path": "img", "size": [32, 24]}"#))
        let (config, _) = try ConfigFixtures.decode(folder)
        #expect(config.data.train == .images(ImageSource(location: .folder("/home/user/configs/img"), channels: 3,
                                                         size: [32, 24])))
        let index = ConfigFixtures.config(data: Self.data(
            #"{"format": "images", "index": "list.csv", "label": "kind", "channels": 1, "skip_bad": true}"#,
            normalize: #"{"mean": [0.5], "std": [0.25]}"#))
        let (indexed, _) = try ConfigFixtures.decode(index)
        #expect(indexed.data.train == .images(ImageSource(location: .index("/home/user/configs/list.csv", labels: ["kind"]),
                                                          channels: 1, skipBad: true)))
        #expect(indexed.data.normalize == .channels)
        #expect(indexed.data.channelStatistics == ChannelStatistics(mean: [0.5], std: [0.25]))
    }

    @Test(arguments: [
        (#"{"format": "images", "path": "d", "channel": 1}"#, "data.train.channel", "did you mean 'channels'"),
        (#"{"format": "images", "path": "d", "channels": 2}"#, "data.train.channels", "must be 1"),
        (#"{"format": "images", "path": "d", "size": [28]}"#, "data.train.size", "[height, width]"),
        (#"{"format": "images", "path": "d", "size": [0, 5]}"#, "data.train.size[0]", "at least 1"),
        (#"{"format": "images", "path": "d", "index": "x.csv", "label": "y"}"#, "data.train", "either"),
        (#"{"format": "images", "path": "d", "label": "y"}"#, "data.train.label", "subfolders"),
    ])
    func badKeysNameTheirPath(source: String, path: String, message: String) throws {
        let error = ConfigFixtures.error(ConfigFixtures.config(data: Self.data(source)))
        #expect(error?.location == path, "\(String(describing: error))")
        #expect(error?.description.contains(message) == true, "\(String(describing: error))")
    }

    @Test func badChannelStatisticsAreConfigErrors() throws {
        let source = #"{"format": "images", "path": "d"}"#
        let mismatch = ConfigFixtures.error(ConfigFixtures.config(data: Self.data(source,
                                                                                  normalize: #"{"mean": [0.5, 0.5], "std": [1]}"#)))
        #expect(mismatch?.location == "data.normalize.std")
        let zero = ConfigFixtures.error(ConfigFixtures.config(data: Self.data(source, normalize: #"{"mean": [0.5], "std": [0]}"#)))
        #expect(zero?.location == "data.normalize.std[0]")
    }

    /// Byte rows gathered through each normalisation equal the float rows normalised in
    /// place, bit for bit: what makes an image folder train as a CSV of its pixels does.
    @Test(arguments: [Normalization.none, .scale, .standardize(mean: [3, 100, 7, 250, 1, 0], std: [2, 0.5, 9, 1, 3, 7]),
                      .channels(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])])
    func byteRowsGatherAsNormalisedFloatRows(normalization: Normalization) throws {
        let bytes: [UInt8] = [0, 1, 127, 128, 254, 255, 3, 77, 200, 13, 99, 181]
        var floats = bytes.map(Float.init)
        normalization.apply(to: &floats, featureCount: 6)
        var dataset = Dataset(features: [], labels: [0, 1], sampleShape: [3, 1, 2], count: 2)
        dataset.storage = .bytes(bytes)
        dataset.normalization = normalization
        let batch = Batch(sampleShape: [3, 1, 2], capacity: 2)
        batch.fill(from: dataset, indices: [1, 0])
        let gathered = Array(UnsafeBufferPointer(start: batch.input.data, count: 12))
        #expect(gathered == Array(floats[6..<12] + floats[0..<6]))
        #expect(dataset.features == floats)
    }

    @Test func channelNormalisationIsToTensorThenNormalize() throws {
        var values: [Float] = [0, 255, 51, 102]  // two channels of two pixels
        Normalization.channels(mean: [0.5, 0.25], std: [0.5, 0.25]).apply(to: &values, featureCount: 4)
        let third: Float = (Float(51) / 255 - 0.25) / 0.25, fourth: Float = (Float(102) / 255 - 0.25) / 0.25
        let expected: [Float] = [-1, 1, third, fourth]
        #expect(values == expected)
        let stored = Normalization.channels(mean: [0.5, 0.25], std: [0.5, 0.25])
        #expect(try Normalization(jsonString: stored.jsonString) == stored)
    }

    @Test func anIndexGivesPathsRelativeToItsFolderAndRegressionTargets() throws {
        let folder = TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder + "/img", withIntermediateDirectories: true)
        for name in ["grey8.png", "grey8_interlaced.png"] {
            try FileManager.default.copyItem(atPath: PNGDecoderTests.folder + "/" + name, toPath: folder + "/img/" + name)
        }
        try "path,y1,y2\nimg/grey8.png,1.5,-2\n\"img/grey8_interlaced.png\",3,4\nnotes.txt,0,0\n"
            .write(toFile: folder + "/index.csv", atomically: true, encoding: .utf8)
        let source = ImageSource(location: .index(folder + "/index.csv", labels: ["y1", "y2"]), channels: 1)
        let table = try ImageReader.read(source)
        #expect(table.rows == 2 && table.sampleShape == [1, 11, 13])
        #expect(table.labels == ["1.5", "3"])
        #expect(table.extraTargets == [-2, 4])
        #expect(table.storage.memoryBytes == 2 * 11 * 13)
        #expect(table.warnings == ["\(folder)/index.csv: skipped 1 file not ending in .png, .jpg or .jpeg"])
        let missing = expectError(.data) {
            try ImageReader.read(ImageSource(location: .index(folder + "/index.csv", labels: ["y3"])))
        }
        #expect(missing?.description.contains("no column 'y3'") == true)
    }
}

import Foundation
import Testing
@testable import DNN

/// `data.augment` against a plain reference (pad with zeros, crop at the drawn offset,
/// mirror), its config keys and errors, and `--resume` through augmented epochs.
@Suite struct AugmentationTests {
    /// torchvision's order for one [C, H, W] sample: pad by p, crop H×W at (top, left),
    /// then flip; written the slow way.
    static func reference(_ image: [Float], c: Int, h: Int, w: Int, p: Int, top: Int, left: Int, flip: Bool) -> [Float] {
        let ph = h + 2 * p, pw = w + 2 * p
        var padded = [Float](repeating: 0, count: c * ph * pw)
        for k in 0..<c { for y in 0..<h { for x in 0..<w { padded[(k * ph + y + p) * pw + x + p] = image[(k * h + y) * w + x] } } }
        var out = [Float](repeating: 0, count: c * h * w)
        for k in 0..<c {
            for y in 0..<h {
                for x in 0..<w {
                    let sx = flip ? w - 1 - x : x
                    out[(k * h + y) * w + x] = padded[(k * ph + y + top) * pw + sx + left]
                }
            }
        }
        return out
    }

    @Test(arguments: [(2, true), (1, false), (0, true), (3, true)])
    func matchesPadCropFlip(padding: Int, flip: Bool) throws {
        let (n, c, h, w) = (6, 2, 5, 7)
        var random = RandomGenerator(seed: 11)
        let values = (0..<(n * c * h * w)).map { _ in Float(random.normal()) }
        let batch = Tensor<Float>(shape: [n, c, h, w], values: values)
        let augmentation = try #require(Augmentation(AugmentConfig(padding: padding, horizontalFlip: flip),
                                                     sampleShape: [c, h, w]))
        var generator = RandomGenerator(seed: 5)
        var replay = generator
        augmentation.apply(to: batch, random: &generator)
        var flips = 0
        for sample in 0..<n {
            let top = padding > 0 ? replay.integer(below: 2 * padding + 1) : padding
            let left = padding > 0 ? replay.integer(below: 2 * padding + 1) : padding
            let mirrored = flip && replay.uniform() < 0.5
            flips += mirrored ? 1 : 0
            let size = c * h * w
            let expected = Self.reference(Array(values[(sample * size)..<((sample + 1) * size)]), c: c, h: h, w: w,
                                          p: padding, top: top, left: left, flip: mirrored)
            #expect(Array(batch.array[(sample * size)..<((sample + 1) * size)]) == expected, "sample \(sample)")
        }
        #expect(replay == generator, "the draws are exactly those replayed")
        if flip { #expect(flips > 0 && flips < n) }
    }

    @Test func configKeysAndErrors() throws {
        let F = ConfigFixtures.self
        let data = #"{"train": {"format": "idx", "images": "i.gz", "labels": "l.gz"}, "augment": {"random_crop": {"padding": 4}, "horizontal_flip": true}}"#
        let (config, _) = try F.decode(F.config(data: data))
        #expect(config.data.augment == AugmentConfig(padding: 4, horizontalFlip: true))
        #expect(config.resolvedJSON["data"]?["augment"] == ["random_crop": ["padding": 4], "horizontal_flip": true])
        let (plain, _) = try F.decode(F.config())
        #expect(plain.resolvedJSON["data"]?.object?.map(\.key) == ["train", "validation", "test", "normalize",
                                                                       "normalize_target", "augment", "shard"])
        let typo = F.error(F.config(data: #"{"train": {"format": "idx", "images": "i", "labels": "l"}, "augment": {"horizontal_flips": true}}"#))
        #expect(typo?.location == "data.augment.horizontal_flips" && typo?.hint == "did you mean 'horizontal_flip'?")
        let zero = F.error(F.config(data: #"{"train": {"format": "idx", "images": "i", "labels": "l"}, "augment": {"random_crop": {"padding": 0}}}"#))
        #expect(zero?.description == "data.augment.random_crop.padding: must be at least 1, got 0")

        let directory = TestPaths.temporaryDirectory()
        let path = try CLITrainTests.writeConfig(directory)
        let flat = try Config.load(path: path, overrides: [#"data.augment={"horizontal_flip": true}"#]).config
        let error = expectError(.config) { try Trainer(config: flat, options: TrainOptions(), observer: nil) }
        #expect(error?.location == "data.augment")
    }

    /// Iris' four features as 2×2 images: augmented epochs, stopped mid-epoch and resumed,
    /// give the bits of the run that was never stopped; and augmentation changes the run.
    @Test func resumeThroughAugmentedEpochsIsBitIdentical() throws {
        let directory = TestPaths.temporaryDirectory()
        let path = try CLITrainTests.writeConfig(directory, layers: """
            [{"type": "flatten"}, {"type": "linear", "out": 16}, {"type": "relu"}, {"type": "linear", "out": 3}]
            """, solver: """
            {"epochs": 3, "batch_size": 16, "print_every": 0, "optimizer": {"type": "adam", "lr": 0.01}}
            """)
        let overrides = ["model.input_shape=[1, 2, 2]", #"data.augment={"random_crop": {"padding": 1}, "horizontal_flip": true}"#]
        let config = try Config.load(path: path, overrides: overrides).config
        var options = TrainOptions()
        options.threads = 2
        options.outDirectory = directory + "/whole"
        _ = try Trainer(config: config, options: options, observer: nil).run()
        let stopper = FaultToleranceTests.StopAtStep(step: 11)
        options.outDirectory = directory + "/stopped"
        options.stopRequest = { stopper.stop }
        _ = try Trainer(config: config, options: options, observer: stopper).run()
        options.outDirectory = nil
        options.resume = directory + "/stopped/last.safetensors"
        options.stopRequest = { nil }
        _ = try Trainer(config: config, options: options, observer: nil).run()
        let whole = try FaultToleranceTests.metricsWithoutTimes(directory + "/whole")
        #expect(try FaultToleranceTests.metricsWithoutTimes(directory + "/stopped") == whole)
        #expect(try FaultToleranceTests.tensors(directory + "/stopped/last.safetensors")
                == FaultToleranceTests.tensors(directory + "/whole/last.safetensors"))

        let plain = try Config.load(path: path, overrides: ["model.input_shape=[1, 2, 2]"]).config
        options = TrainOptions()
        options.outDirectory = directory + "/plain"
        _ = try Trainer(config: plain, options: options, observer: nil).run()
        #expect(try FaultToleranceTests.metricsWithoutTimes(directory + "/plain").first?["train_loss"] != whole.first?["train_loss"])
    }
}

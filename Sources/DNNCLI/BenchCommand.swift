import DNN
import Foundation

/// `dnn bench [--threads N] [--seconds S] [--precision fp32|bf16|both] [--json]`: speed of
/// this build on this machine. `both` times each row in fp32 and then bf16, side by side,
/// and gives bf16's rate over fp32's (`BenchReport`).
enum BenchCommand {
    static let options = [
        OptionSpec(name: "--threads", takesValue: true), OptionSpec(name: "--seconds", takesValue: true),
        OptionSpec(name: "--json", takesValue: false), OptionSpec(name: "--only", takesValue: true),
        OptionSpec(name: "--configs", takesValue: true), OptionSpec(name: "--models", takesValue: true),
        OptionSpec(name: "--layers", takesValue: false), OptionSpec(name: "--precision", takesValue: true),
        OptionSpec(name: "--images", takesValue: true),
    ]

    static func run(_ arguments: [String]) throws -> Int32 {
        let parsed = try Arguments(arguments, options: options, command: "bench")
        _ = try parsed.positionals([], required: 0, command: "bench")
        let threads = try parsed.integer("--threads", in: 1...1024) ?? Compute.availableCores
        let seconds = Double(parsed.value("--seconds") ?? "1") ?? 1
        let only = Set((parsed.value("--only") ?? "gemm,train,infer").split(separator: ",").map(String.init))
        let configDirectory = parsed.value("--configs") ?? "configs"
        let json = parsed.flag("--json")
        if let folder = parsed.value("--images") { return try benchImages(folder, seconds: seconds, json: json) }
        let precisions = try parsed.precision(alsoBoth: true).map { [$0] } ?? (parsed.value("--precision") == nil ? [.fp32] : [.fp32, .bf16])
        for notice in Set(precisions.compactMap(\.fallbackNotice)) { Console.error(notice) }
        let report = BenchReport(threads: threads, json: json)
        if parsed.flag("--layers") {
            for precision in precisions {
                try printLayerTimes(models: parsed.value("--models") ?? "mnist_mlp,mnist_cnn",
                                    configDirectory: configDirectory, threads: threads, precision: precision)
            }
            return 0
        }
        if !json { Console.out("dnn \(DNNVersion.current) bench, \(threads) threads, best of ~\(seconds)s per row") }
        if only.contains("gemm") {
            for c in Benchmark.gemmCases {
                for precision in precisions {
                    report.add("gemm", c.label, Benchmark.gemm(c, threads: threads, seconds: seconds,
                                                               precision: precision), "GFLOP/s", precision)
                }
            }
        }
        if only.contains("sequence") {
            for c in Benchmark.sequenceCases {
                for precision in precisions {
                    let rate = try Benchmark.training(layers: c.layers, optimizer: Benchmark.adam, inputShape: c.inputShape,
                                                      classes: 10, batchSize: c.batchSize, threads: threads,
                                                      seconds: seconds, precision: precision)
                    report.add("train", c.label, rate, "samples/s", precision)
                }
            }
        }
        let models = (parsed.value("--models") ?? "mnist_mlp,mnist_cnn").split(separator: ",").map(String.init)
        for name in models where !only.isDisjoint(with: ["train", "infer", "augment"]) {
            let config = try Config.load(path: "\(configDirectory)/\(name).json").config
            try benchModel(name, config: config, only: only, precisions: precisions, threads: threads, seconds: seconds,
                           report: report.add)
        }
        if json { report.printJSON() }
        return 0
    }

    /// The training, augmentation and inference rows of one example config, each handed
    /// to `report` (kind, name, value, unit, precision).
    static func benchModel(_ name: String, config: Config, only: Set<String>, precisions: [Precision], threads: Int,
                           seconds: Double, report: (String, String, Double, String, Precision) -> Void) throws {
        let (shape, classes) = syntheticShape(config)
        if only.contains("train") {
            for precision in precisions {
                let rate = try Benchmark.training(layers: config.model.layers, optimizer: config.solver.optimizer,
                                                  inputShape: shape, classes: classes, batchSize: config.solver.batchSize,
                                                  threads: threads, seconds: seconds, precision: precision)
                report("train", "\(name) batch \(config.solver.batchSize)", rate, "samples/s", precision)
            }
        }
        if only.contains("augment") && shape.count == 3 {
            let rate = Benchmark.augmentation(inputShape: shape, batchSize: config.solver.batchSize, seconds: seconds)
            report("augment", "\(name) batch \(config.solver.batchSize) crop+flip", rate, "samples/s", .fp32)
        }
        if only.contains("infer") {
            for batch in [1, 64, 256, 1024] {
                for precision in precisions {
                    let rate = try Benchmark.inference(layers: config.model.layers, inputShape: shape,
                                                       batchSize: batch, threads: threads, seconds: seconds,
                                                       precision: precision)
                    report("infer", "\(name) batch \(batch)", rate, "samples/s", precision)
                }
            }
        }
    }

    /// The sample shape and class count of a config's synthetic batches: a text config's
    /// samples are [context] byte ids, scored at every position over 256 bytes.
    static func syntheticShape(_ config: Config) -> (shape: [Int], classes: Int) {
        if case .text(_, let context, _) = config.data.train { return ([context], TextWindows.vocabulary) }
        return (config.model.inputShape ?? [1, 28, 28], 10)
    }

    /// `--layers`: where a training step's time goes, layer by layer (Caffe's `time`).
    static func printLayerTimes(models: String, configDirectory: String, threads: Int,
                                precision: Precision) throws {
        for name in models.split(separator: ",") {
            let config = try Config.load(path: "\(configDirectory)/\(name).json").config
            let (shape, classes) = syntheticShape(config)
            let times = try Benchmark.layerTimes(
                layers: config.model.layers, optimizer: config.solver.optimizer, inputShape: shape, classes: classes,
                batchSize: config.solver.batchSize, threads: threads, steps: 50, precision: precision)
            Console.out("\(name), batch \(config.solver.batchSize), \(threads) threads, \(precision.rawValue): ms per step")
            Console.out("layer".padding(toLength: 44, withPad: " ", startingAt: 0) + "  forward  backward")
            for time in times {
                Console.out(time.name.padding(toLength: 44, withPad: " ", startingAt: 0)
                    + String(format: "%9.3f %9.3f", time.forward, time.backward))
            }
            let total = times.reduce(0) { $0 + $1.forward + $1.backward }
            Console.out(String(format: "total %.3f ms per step: %.0f samples/s", total,
                               Double(config.solver.batchSize) / total * 1000))
        }
    }

    /// `--images DIR` (not in the help: a developer's tool): PNG and JPEG decoding speed on
    /// one thread, to set beside the Pillow figures of `tools/bench_images.py` and
    /// `tools/bench_png_pillow.py`.
    static func benchImages(_ folder: String, seconds: Double, json: Bool) throws -> Int32 {
        let (rate, files) = try Benchmark.imageDecodesPerSecond(folder: folder, seconds: seconds)
        if json {
            Console.out(JSON.object([("files", .integer(files)), ("images_per_second", .number(rate))])
                .serialized(pretty: false))
        } else {
            Console.out(String(format: "decode  %d image files in %@, 1 thread %12.1f images/s", files, folder, rate))
        }
        return 0
    }
}

import Foundation

/// The workloads of `dnn bench`: matrix products and the training and inference
/// throughput of example networks on synthetic data, timed in this process.
public enum Benchmark {
    /// Runs `body` repeatedly for about `seconds` (after one warm-up call) and returns the
    /// fastest time of one call: the least disturbed by other work on a shared machine.
    public static func fastest(seconds: Double, minimumRuns: Int = 3, _ body: () -> Void) -> Double {
        body()
        var best = Double.infinity
        let start = Date()
        var runs = 0
        while runs < minimumRuns || Date().timeIntervalSince(start) < seconds {
            let t = Date()
            body()
            best = Swift.min(best, Date().timeIntervalSince(t))
            runs += 1
        }
        return best
    }

    /// One matrix-product workload.
    public struct GEMMCase: Sendable {
        public var label: String
        public var shape: GEMMShape
        public var flops: Double { 2 * Double(shape.m) * Double(shape.n) * Double(shape.k) }
    }

    /// Square products and the products of the MNIST MLP's first layer (batch 128,
    /// 784 → 512): forward `X·Wᵀ`, and backward `dYᵀ·X` and `dY·W`; then the CNN's second
    /// convolution, the LSTM benchmark's per-step products and its dW_hh, and gpt_tiny's
    /// MLP (2048 positions, 64 → 256 → 64) forward and backward.
    public static let gemmCases: [GEMMCase] = [
        GEMMCase(label: "256x256x256", shape: GEMMShape(m: 256, n: 256, k: 256)),
        GEMMCase(label: "512x512x512", shape: GEMMShape(m: 512, n: 512, k: 512)),
        GEMMCase(label: "1024x1024x1024", shape: GEMMShape(m: 1024, n: 1024, k: 1024)),
        GEMMCase(label: "mlp fwd 128x784 . (512x784)T", shape: GEMMShape(m: 128, n: 512, k: 784, transposeB: true)),
        GEMMCase(label: "mlp dW (128x512)T . 128x784", shape: GEMMShape(m: 512, n: 784, k: 128, transposeA: true)),
        GEMMCase(label: "mlp dX 128x512 . 512x784", shape: GEMMShape(m: 128, n: 784, k: 512)),
        GEMMCase(label: "cnn conv2 fwd 64x288 . 288x12544", shape: GEMMShape(m: 64, n: 12544, k: 288)),
        GEMMCase(label: "cnn conv2 dW 64x12544 . (288x12544)T", shape: GEMMShape(m: 64, n: 288, k: 12544, transposeB: true)),
        GEMMCase(label: "cnn conv2 dcol (64x288)T . 64x12544", shape: GEMMShape(m: 288, n: 12544, k: 64, transposeA: true)),
        GEMMCase(label: "lstm step 64x128 . 128x512", shape: GEMMShape(m: 64, n: 512, k: 128)),
        GEMMCase(label: "lstm step dh 64x512 . 512x128", shape: GEMMShape(m: 64, n: 128, k: 512)),
        GEMMCase(label: "lstm dW_hh (8128x512)T . 8128x128", shape: GEMMShape(m: 512, n: 128, k: 8128, transposeA: true)),
        GEMMCase(label: "gpt mlp up 2048x64 . (256x64)T", shape: GEMMShape(m: 2048, n: 256, k: 64, transposeB: true)),
        GEMMCase(label: "gpt mlp down 2048x256 . (64x256)T", shape: GEMMShape(m: 2048, n: 64, k: 256, transposeB: true)),
        GEMMCase(label: "gpt mlp up dX 2048x256 . 256x64", shape: GEMMShape(m: 2048, n: 64, k: 256)),
        GEMMCase(label: "gpt mlp down dX 2048x64 . 64x256", shape: GEMMShape(m: 2048, n: 256, k: 64)),
        GEMMCase(label: "gpt mlp up dW (2048x256)T . 2048x64", shape: GEMMShape(m: 256, n: 64, k: 2048, transposeA: true)),
        GEMMCase(label: "gpt mlp down dW (2048x64)T . 2048x256", shape: GEMMShape(m: 64, n: 256, k: 2048, transposeA: true)),
    ]

    /// A sequence classifier timed by `dnn bench --only sequence` (and by
    /// tools/bench_torch.py in PyTorch under the same name): random series of `inputShape`
    /// [T, F], a recurrent layer returning its last state, a linear layer to 10 classes, Adam.
    public struct SequenceCase: Sendable {
        public var label: String
        public var layers: [LayerSpec]
        public var inputShape: [Int]
        public var batchSize: Int
    }

    /// An LSTM and a GRU classifier: T = 128 steps of F = 3, H = 128, batch 64.
    public static let sequenceCases: [SequenceCase] = [RecurrentSpec.Cell.lstm, .gru].map { cell in
        SequenceCase(label: "\(cell.rawValue) T=128 F=3 H=128 batch 64",
                     layers: [.recurrent(RecurrentSpec(cell: cell, hidden: 128)), .linear(out: 10, bias: true, init: .torch)],
                     inputShape: [128, 3], batchSize: 64)
    }

    /// Adam with PyTorch's defaults, the optimizer of the sequence workloads.
    public static let adam = OptimizerConfig.adam(lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0)

    /// A compute context of `threads` threads whose products run in `precision` (as
    /// this CPU can: see `Precision.effective`).
    static func compute(threads: Int, precision: Precision) -> Compute {
        let compute = Compute(threads: threads)
        compute.productPrecision = precision.effective
        return compute
    }

    /// GFLOP/s of one GEMM case on Float matrices, with products in `precision`.
    public static func gemm(_ c: GEMMCase, threads: Int, seconds: Double, precision: Precision = .fp32) -> Double {
        let s = c.shape
        var random = RandomGenerator(seed: 1)
        let a = Tensor<Float>(shape: [s.m * s.k], values: (0..<(s.m * s.k)).map { _ in Float(random.uniform()) })
        let b = Tensor<Float>(shape: [s.k * s.n], values: (0..<(s.k * s.n)).map { _ in Float(random.uniform()) })
        let out = Tensor<Float>(shape: [s.m * s.n])
        let compute = compute(threads: threads, precision: precision)
        let time = fastest(seconds: seconds) {
            Float.gemm(s, alpha: 1, a.data, b.data, beta: 0, out.data, compute)
        }
        return c.flops / time / 1e9
    }

    /// Samples per second of `data.augment` (random crop after padding 2, and flips) on
    /// batches of random images of `inputShape`: compared with `training`'s rate, the
    /// share of a training step that augmentation costs.
    public static func augmentation(inputShape: [Int], batchSize: Int, seconds: Double) -> Double {
        var random = RandomGenerator(seed: 3)
        let batch = Tensor<Float>(shape: [batchSize] + inputShape,
                                  values: (0..<(batchSize * inputShape.reduce(1, *))).map { _ in Float(random.uniform()) })
        guard let augmentation = Augmentation(AugmentConfig(padding: 2, horizontalFlip: true), sampleShape: inputShape) else {
            return 0
        }
        let time = fastest(seconds: seconds) { augmentation.apply(to: batch, random: &random) }
        return Double(batchSize) / time
    }

    /// Samples per second of training steps of `layers` on random data of `inputShape`
    /// (random ids below `classes` for a network that starts with an embedding, with a
    /// label at every position when it outputs a sequence).
    public static func training(layers: [LayerSpec], optimizer: OptimizerConfig, inputShape: [Int], classes: Int,
                                batchSize: Int, threads: Int, seconds: Double,
                                precision: Precision = .fp32) throws -> Double {
        var random = RandomGenerator(seed: 2)
        let network: Sequential<Float> = try NetworkBuilder.build(layers, inputShape: inputShape, random: &random)
        let model = optimizer.makeOptimizer(for: network.parameters)
        network.skipInputGradient()  // the input is data, as in dnn train
        let step = TrainingStep(network: network, optimizer: model, reg: 0)
        let positions = network.outputShape.count == 2 ? network.outputShape[0] : 1
        let (input, labels) = syntheticBatch(inputShape: inputShape, classes: classes, batchSize: batchSize,
                                             labelsPerSample: positions, random: &random)
        if positions > 1 {
            for i in 0..<input.count { input[i] = Float(random.integer(below: classes)) }  // ids for the embedding
        }
        let context = Context(mode: .training, random: random, compute: compute(threads: threads, precision: precision))
        let time = labels.withUnsafeBufferPointer { labels in
            fastest(seconds: seconds) { _ = step.run(input, labels: labels.baseAddress!, context: context) }
        }
        return Double(batchSize) / time
    }

    /// Samples per second of evaluation-mode forward passes.
    public static func inference(layers: [LayerSpec], inputShape: [Int], batchSize: Int, threads: Int,
                                 seconds: Double, precision: Precision = .fp32) throws -> Double {
        var random = RandomGenerator(seed: 3)
        let network: Sequential<Float> = try NetworkBuilder.build(layers, inputShape: inputShape, random: &random)
        let (input, _) = syntheticBatch(inputShape: inputShape, classes: 1, batchSize: batchSize, random: &random)
        let context = Context(mode: .evaluation, compute: compute(threads: threads, precision: precision))
        let time = fastest(seconds: seconds) { _ = network.forward(input, context) }
        return Double(batchSize) / time
    }

    private static func syntheticBatch(inputShape: [Int], classes: Int, batchSize: Int, labelsPerSample: Int = 1,
                                       random: inout RandomGenerator) -> (Tensor<Float>, [Int32]) {
        let count = batchSize * inputShape.reduce(1, *)
        let input = Tensor<Float>(shape: [batchSize] + inputShape, values: (0..<count).map { _ in Float(random.uniform()) })
        let labels = (0..<(batchSize * labelsPerSample)).map { _ in Int32(random.integer(below: classes)) }
        return (input, labels)
    }
}

extension Benchmark {
    /// Mean milliseconds per training step spent in each layer's forward and backward
    /// pass, the loss and the optimizer (Caffe's `time` command): where a step goes.
    public struct LayerTime: Sendable {
        public var name: String
        public var forward: Double
        public var backward: Double
    }

    public static func layerTimes(layers: [LayerSpec], optimizer: OptimizerConfig, inputShape: [Int], classes: Int,
                                  batchSize: Int, threads: Int, steps: Int,
                                  precision: Precision = .fp32) throws -> [LayerTime] {
        var random = RandomGenerator(seed: 2)
        let network: Sequential<Float> = try NetworkBuilder.build(layers, inputShape: inputShape, random: &random)
        let model = optimizer.makeOptimizer(for: network.parameters)
        let loss = SoftmaxCrossEntropy<Float>()
        let positions = network.outputShape.count == 2 ? network.outputShape[0] : 1
        let (input, labels) = syntheticBatch(inputShape: inputShape, classes: classes, batchSize: batchSize,
                                             labelsPerSample: positions, random: &random)
        if positions > 1 {
            for i in 0..<input.count { input[i] = Float(random.integer(below: classes)) }  // ids for the embedding
        }
        let context = Context(mode: .training, random: random, compute: compute(threads: threads, precision: precision))
        var forward = Array(repeating: 0.0, count: network.layers.count + 2)
        var backward = forward
        network.skipInputGradient()
        let firstTrained = network.layers.firstIndex { !$0.state.isEmpty } ?? network.layers.count
        for step in 0..<(steps + 2) {
            let counted = step >= 2  // two warm-up steps
            var t = Date()
            func lap(_ times: inout [Double], _ index: Int) {
                let now = Date()
                if counted { times[index] += now.timeIntervalSince(t) }
                t = now
            }
            var y = input
            for (index, layer) in network.layers.enumerated() {
                y = layer.forward(y, context)
                lap(&forward, index)
            }
            _ = labels.withUnsafeBufferPointer { loss.forward(y, labels: $0.baseAddress!) }
            lap(&forward, network.layers.count)
            var gradient = loss.gradient
            for (index, layer) in network.layers.enumerated().reversed() where index >= firstTrained {
                gradient = layer.backward(gradient, context)
                lap(&backward, index)
            }
            model.step(context.compute)
            lap(&backward, network.layers.count + 1)
        }
        let names = layers.map(\.typeName) + ["loss", "optimizer step"]
        return names.indices.map {
            LayerTime(name: $0 < layers.count ? "\($0) \(names[$0])" : names[$0],
                      forward: forward[$0] / Double(steps) * 1000, backward: backward[$0] / Double(steps) * 1000)
        }
    }
}

extension Benchmark {
    /// Images decoded per second on one core (the calling thread): every PNG or JPEG file
    /// in `folder` (recursively) read into memory once, then decoded round after round for
    /// at least `seconds`. What `dnn bench --images DIR` reports beside Pillow's figure
    /// (`tools/bench_png_pillow.py`).
    public static func imageDecodesPerSecond(folder: String, seconds: Double) throws -> (rate: Double, files: Int) {
        let files = try ImageListing(predicting: folder).files.map { ($0, try FileBytes.read($0)) }
        var decoded = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            for (name, bytes) in files { decoded += try ImageFile.decode(bytes, file: name).width > 0 ? 1 : 0 }
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < seconds
        return (Double(decoded) / elapsed, files.count)
    }
}

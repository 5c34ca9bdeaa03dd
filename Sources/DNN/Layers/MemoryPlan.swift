import Foundation

/// The memory a network will need, added up layer by layer as the network builder goes,
/// before anything large is allocated: a config with `padding: 1000000` or
/// `out: 1000000000` is refused with the layer and the bytes it would need, rather than
/// aborting the process on a 96 TB allocation.
///
/// Every size is computed with overflow-checked arithmetic. Training keeps, per
/// parameter, its value, its gradient and up to two optimizer moments (4 copies), and
/// per activation about three tensors of the output's size (the output, the gradient of
/// the input, and the caches of a backward pass such as a convolution's columns).
public final class MemoryPlan {
    /// Bytes the process may use: the machine's physical memory.
    public let limit: Int
    /// Samples per batch that the activations must hold.
    public let batchSize: Int
    /// Trainable scalars so far.
    public private(set) var parameters = 0
    /// Activation scalars per sample so far (every layer's output).
    public private(set) var activationsPerSample = 0
    /// Bytes of the datasets held in memory.
    public var dataBytes = 0

    /// Copies of each parameter during training: value, gradient, two optimizer moments.
    public static let parameterCopies = 4
    /// Tensors of an activation's size that training keeps per layer.
    public static let activationCopies = 3

    public init(batchSize: Int, limit: Int = Int(clamping: ProcessInfo.processInfo.physicalMemory)) {
        self.batchSize = Swift.max(batchSize, 1)
        self.limit = limit
    }

    /// Bytes that training needs: parameters with their copies, activations for one
    /// batch, and the data; saturates at `Int.max`.
    public var trainingBytes: Int {
        Self.sum([Self.product([parameters, Self.parameterCopies, 4]),
                  Self.product([activationsPerSample, Self.activationCopies, batchSize, 4]), dataBytes])
    }

    /// Bytes that evaluation needs: parameters, and two activations of each layer for one batch.
    public var evaluationBytes: Int {
        Self.sum([Self.product([parameters, 4]), Self.product([activationsPerSample, 2, batchSize, 4]), dataBytes])
    }

    /// Adds a layer's trainable scalars; throws at `path` when they alone exceed the limit.
    func addParameters(_ count: [Int], at path: String) throws {
        let scalars = Self.product(count)
        try require(Self.product([scalars, Self.parameterCopies, 4]), at: path,
                    "its \(Self.describe(count)) weights need", "to train", hint: "use fewer units or channels")
        parameters = Self.sum([parameters, scalars])
        try checkTotal(at: path)
    }

    /// Adds a layer's output of per-sample `shape`; throws at `path` when one sample, or
    /// one batch, does not fit.
    func addOutput(_ shape: [Int], at path: String) throws {
        let perSample = Self.product(shape)
        let sampleBytes = Self.product([perSample, 4])
        let output = "the output \(Self.describe(shape)) per sample needs"
        try require(sampleBytes, at: path, output, "", hint: "check its padding, kernel and stride, and the input shape")
        try require(Self.product([sampleBytes, Self.activationCopies, batchSize]), at: path, output,
                    "for a batch of \(batchSize) in training", hint: "lower solver.batch_size")
        activationsPerSample = Self.sum([activationsPerSample, perSample])
        try checkTotal(at: path)
    }

    /// Throws `what <bytes> <context>, more than this machine's memory` at `path` unless
    /// `bytes` fit.
    private func require(_ bytes: Int, at path: String, _ what: String, _ context: String, hint: String) throws {
        guard bytes >= limit else { return }
        throw DNNError.config(path, "\(what) \(Self.bytes(bytes))\(context.isEmpty ? "" : " " + context), more than "
                              + "this machine's \(Self.bytes(limit)) of memory", hint: hint)
    }

    /// The whole estimate against the limit, naming `path` as the layer that tipped it over.
    func checkTotal(at path: String) throws {
        guard trainingBytes < limit else {
            throw DNNError.config(path, "the network up to here needs \(Self.bytes(trainingBytes)) to train with a "
                                  + "batch of \(batchSize), more than this machine's \(Self.bytes(limit)) of memory",
                                  hint: "lower solver.batch_size or make the model smaller")
        }
    }

    /// The product, or `Int.max` when it overflows.
    static func product(_ factors: [Int]) -> Int {
        var result = 1
        for factor in factors {
            let (value, overflow) = result.multipliedReportingOverflow(by: Swift.max(factor, 0))
            if overflow { return Int.max }
            result = value
        }
        return result
    }

    /// The sum, or `Int.max` when it overflows.
    static func sum(_ terms: [Int]) -> Int {
        var result = 0
        for term in terms {
            let (value, overflow) = result.addingReportingOverflow(term)
            if overflow { return Int.max }
            result = value
        }
        return result
    }

    /// `[2, 2000004, 2000004]`.
    static func describe(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

    /// `32 TB`, `1.5 GB`, `512 B` (powers of 1024); "more than 8 EB" past Int.max.
    public static func bytes(_ count: Int) -> String {
        if count == Int.max { return "more than 8 EB" }
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(count), unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }
}

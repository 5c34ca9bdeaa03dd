/// Everything besides the weights that `--resume` needs to continue a run exactly: the
/// optimizer's tensors and step count, the learning rate of the next epoch, the random
/// generator, and the early-stopping bookkeeping.
///
/// Saved next to `last.safetensors` as `last.state.safetensors` (the optimizer tensors,
/// named like `0.weight.exp_avg`, and the rest in metadata). Doubles are stored as
/// their bit patterns so that a resumed run is bit-identical.
public struct TrainingState: Sendable {
    public static let format = "dnn-training-state/1"
    /// The file name next to a checkpoint named `last.safetensors`.
    public static func path(besides checkpoint: String) -> String {
        let suffix = ".safetensors"
        let stem = checkpoint.hasSuffix(suffix) ? String(checkpoint.dropLast(suffix.count)) : checkpoint
        return stem + ".state.safetensors"
    }

    /// Epochs completed.
    public var epoch: Int
    public var stepCount: Int
    /// The learning rate of the next epoch.
    public var learningRate: Double
    public var random: RandomGenerator
    /// The best validation accuracy so far and its epoch (0 when none yet).
    public var bestAccuracy: Double
    public var bestEpoch: Int
    public var epochsWithoutImprovement: Int
    public var optimizerTensors: [(name: String, tensor: SafeTensors.Tensor)]

    public func write(to path: String) throws {
        let metadata: [String: String] = [
            "format": Self.format,
            "epoch": String(epoch),
            "step_count": String(stepCount),
            "learning_rate_bits": String(learningRate.bitPattern, radix: 16),
            "random": random.stateWords.map { String($0, radix: 16) }.joined(separator: ","),
            "best_accuracy_bits": String(bestAccuracy.bitPattern, radix: 16),
            "best_epoch": String(bestEpoch),
            "epochs_without_improvement": String(epochsWithoutImprovement),
        ]
        try SafeTensors(tensors: optimizerTensors, metadata: metadata).write(to: path)
    }

    public static func read(path: String) throws -> TrainingState {
        let file = try SafeTensors.read(path: path)
        func field(_ key: String) throws -> String {
            guard let value = file.metadata[key] else {
                throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is missing")
            }
            return value
        }
        func integer(_ key: String) throws -> Int {
            guard let value = Int(try field(key)), value >= 0 else {
                throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is not a non-negative integer")
            }
            return value
        }
        func bits(_ key: String) throws -> Double {
            guard let value = UInt64(try field(key), radix: 16) else {
                throw DNNError(.checkpoint, at: "\(path): metadata '\(key)'", "is not a hexadecimal bit pattern")
            }
            return Double(bitPattern: value)
        }
        guard try field("format") == format else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'format'", "is not '\(format)'")
        }
        let words = try field("random").split(separator: ",").compactMap { UInt64($0, radix: 16) }
        guard let random = RandomGenerator(state: words) else {
            throw DNNError(.checkpoint, at: "\(path): metadata 'random'", "is not a generator state of four words")
        }
        return TrainingState(epoch: try integer("epoch"), stepCount: try integer("step_count"),
                             learningRate: try bits("learning_rate_bits"), random: random,
                             bestAccuracy: try bits("best_accuracy_bits"), bestEpoch: try integer("best_epoch"),
                             epochsWithoutImprovement: try integer("epochs_without_improvement"),
                             optimizerTensors: file.tensors)
    }
}

/// Normalisation of byte features (images) and mapped floats as a batch gathers them: the same float
/// operations, in the same order, as `Normalization.apply` on the same values held as
/// floats, so a byte dataset trains bit for bit as its float copy would.
extension Normalization {
    /// One row of `count` byte features (feature j at `bytes[j]`) as normalised floats.
    @inline(__always)
    func expand(_ bytes: UnsafePointer<UInt8>, count: Int, into target: UnsafeMutablePointer<Float>) {
        expand(count: count, into: target) { Float(bytes[$0]) }
    }

    /// One row of `count` float features as they lie in a file (`MappedFloats`), normalised.
    @inline(__always)
    func expand(_ floats: UnsafePointer<Float>, count: Int, into target: UnsafeMutablePointer<Float>) {
        expand(count: count, into: target) { floats[$0] }
    }

    /// The normalised value of each feature j, given its raw `value(j)`.
    @inline(__always)
    private func expand(count: Int, into target: UnsafeMutablePointer<Float>, _ value: (Int) -> Float) {
        switch self {
        case .none:
            for j in 0..<count { target[j] = value(j) }
        case .scale:
            for j in 0..<count { target[j] = value(j) / 255 }
        case let .standardize(mean, std):
            guard mean.count == count, std.count == count else {
                for j in 0..<count { target[j] = value(j) }
                return
            }
            mean.withUnsafeBufferPointer { mean in
                std.withUnsafeBufferPointer { std in
                    for j in 0..<count { target[j] = (value(j) - mean[j]) / std[j] }
                }
            }
        case let .channels(mean, std):
            guard !mean.isEmpty, count % mean.count == 0 else {
                for j in 0..<count { target[j] = value(j) / 255 }
                return
            }
            let plane = count / mean.count
            for c in 0..<mean.count {
                let m = mean[c], s = std[c]
                for j in (c * plane)..<((c + 1) * plane) { target[j] = (value(j) / 255 - m) / s }
            }
        }
    }

    /// `data.normalize` for a training table: the per-channel statistics given in the
    /// config, or `fit(kind:storage:featureCount:)` of the named kind.
    public static func fit(_ kind: NormalizeKind, channels: ChannelStatistics?, storage: FeatureStorage,
                           featureCount: Int) -> Normalization {
        if kind == .channels, let channels {
            return .channels(mean: channels.mean, std: channels.std)
        }
        return fit(kind: kind, storage: storage, featureCount: featureCount)
    }

    /// Fits `kind` to a table's features, held as floats or bytes (standardize's
    /// statistics on bytes are computed from their float values, as for a float table).
    public static func fit(kind: NormalizeKind, storage: FeatureStorage, featureCount: Int) -> Normalization {
        switch storage {
        case .floats(let values): return fit(kind: kind, features: values, featureCount: featureCount)
        case .bytes(let values):
            guard kind == .standardize else { return fit(kind: kind, features: [], featureCount: featureCount) }
            return fit(kind: kind, features: values.map(Float.init), featureCount: featureCount)
        case .mapped(let mapped):
            guard kind == .standardize else { return fit(kind: kind, features: [], featureCount: featureCount) }
            return standardize(rows: mapped.rows, featureCount: featureCount, row: mapped.row)
        case .byteRows:
            guard kind == .standardize else { return fit(kind: kind, features: [], featureCount: featureCount) }
            return fit(kind: kind, features: storage.floats, featureCount: featureCount)
        }
    }
}

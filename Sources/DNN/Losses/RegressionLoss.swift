/// The regression losses of issue #12, mean over all elements as PyTorch's default
/// reduction, for predictions and targets [N, D] (D target columns):
/// - `mse`: `nn.MSELoss`, `mean(d²)` with `d = prediction - target`; `dd = 2d / (N·D)`.
/// - `l1`: `nn.L1Loss`, `mean(|d|)`; `dd = sign(d) / (N·D)`, 0 at d = 0 as `torch.sign`.
/// - `huber`: `nn.HuberLoss(delta)`, `mean(|d| < δ ? d²/2 : δ(|d| - δ/2))`;
///   `dd = clamp(d, -δ, δ) / (N·D)`.
///
/// `loss.type` mse, l1 and huber; `Objective` uses it for a regression config. PyTorch
/// fixtures: regression_losses.json (the kernels), regression_training.json (whole runs).
public final class RegressionLoss<T: Scalar> {
    public typealias Kind = RegressionLossKind
    public let kind: Kind
    /// dLoss/dPrediction of the latest `forward`, [N, D].
    public let gradient = Tensor<T>(shape: [0])

    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// The mean loss of `prediction` [N, D] against `target` (N·D values, row-major);
    /// fills `gradient` when `computeGradient`.
    public func forward(_ prediction: Tensor<T>, target: UnsafePointer<T>, computeGradient: Bool = true) -> Double {
        gradient.reshape(to: prediction.shape)
        let count = prediction.count
        let sum = T.regressionLoss(kind, prediction.data, target, count: count,
                                   gradientScale: T(1) / T(count), dPrediction: computeGradient ? gradient.data : nil)
        return sum / Double(count)
    }
}

/// The regression loss functions (see `RegressionLoss`).
public enum RegressionLossKind: Equatable, Sendable {
    case mse, l1
    case huber(delta: Double)
}

extension LossKernels {
    public static func regressionLoss(_ kind: RegressionLossKind, _ prediction: UnsafePointer<Self>,
                                      _ target: UnsafePointer<Self>, count: Int, gradientScale: Self,
                                      dPrediction: UnsafeMutablePointer<Self>?) -> Double {
        var sum = 0.0
        switch kind {
        case .mse:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                sum += Double(d * d)
                dPrediction?[i] = 2 * d * gradientScale
            }
        case .l1:
            for i in 0..<count {
                let d = prediction[i] - target[i]
                sum += Double(abs(d))
                let sign: Self = d > 0 ? 1 : (d < 0 ? -1 : 0)
                dPrediction?[i] = sign * gradientScale
            }
        case .huber(let deltaValue):
            let delta = Self(deltaValue), half: Self = 0.5
            for i in 0..<count {
                let d: Self = prediction[i] - target[i]
                let z: Self = abs(d)
                let value: Self = z < delta ? half * d * d : delta * (z - half * delta)
                sum += Double(value)
                let clamped: Self = d < -delta ? -delta : (d > delta ? delta : d)
                dPrediction?[i] = clamped * gradientScale
            }
        }
        return sum
    }
}

/// Batch normalisation, `nn.BatchNorm1d` on [N, D] (per feature) and `nn.BatchNorm2d`
/// on [N, C, H, W] (per channel, statistics over N, H and W).
///
/// Training: `xhat = (x - μ_B) / √(σ²_B + eps)` with the biased batch variance, and
/// `y = γ · xhat + β`; the running statistics move by
/// `running = (1 - momentum) · running + momentum · batch`, using the UNBIASED batch
/// variance for `running_var`, exactly as PyTorch. Evaluation normalises with the
/// running statistics.
/// Backward (training), with m = N·H·W values per channel:
/// `dx = γ / √(σ² + eps) · (dy - mean(dy) - xhat · mean(dy · xhat))`.
public final class BatchNorm<T: Scalar>: Layer {
    public let outputShape: [Int]
    public let channels: Int
    /// H·W for [C, H, W] inputs, 1 for [D].
    public let spatialSize: Int
    public let momentum: Double
    public let eps: Double
    public let weight: Parameter<T>         // γ [C], ones
    public let bias: Parameter<T>           // β [C], zeros
    public let runningMean: Tensor<T>       // [C], zeros
    public let runningVar: Tensor<T>        // [C], ones
    public let batchesTracked = Counter()   // num_batches_tracked
    /// Whether the ReLU that follows is computed here, in the same passes (see
    /// `NetworkBuilder`): forward clamps y at 0, backward takes dy where y > 0.
    public var fusedReLU = false

    private let mean: Tensor<T>             // [C] of the latest forward
    private let variance: Tensor<T>         // [C] biased, of the latest batch
    private let invstd: Tensor<T>           // [C] 1 / √(σ² + eps)
    private let sumDy: Tensor<T>            // [C]
    private let sumDyXhat: Tensor<T>        // [C]
    private let xhat = Tensor<T>(shape: [0])        // like x
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    private var usedBatchStatistics = false
    private var valuesPerChannel = 0

    /// Five per element: centre, scale and shift, and the statistics.
    public var forwardFLOPs: Int { 5 * outputShape.reduce(1, *) }

    public init(shape: [Int], momentum: Double = 0.1, eps: Double = 1e-5) {
        outputShape = shape
        channels = shape[0]
        spatialSize = shape.dropFirst().reduce(1, *)
        self.momentum = momentum
        self.eps = eps
        let ones = Tensor<T>(shape: [channels])
        ones.fill(1)
        weight = Parameter(ones, regularized: false)
        bias = Parameter(Tensor(shape: [channels]), regularized: false)
        runningMean = Tensor(shape: [channels])
        runningVar = Tensor(shape: [channels])
        runningVar.fill(1)
        mean = Tensor(shape: [channels])
        variance = Tensor(shape: [channels])
        invstd = Tensor(shape: [channels])
        sumDy = Tensor(shape: [channels])
        sumDyXhat = Tensor(shape: [channels])
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        [("weight", .parameter(weight)), ("bias", .parameter(bias)), ("running_mean", .buffer(runningMean)),
         ("running_var", .buffer(runningVar)), ("num_batches_tracked", .counter(batchesTracked))]
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = x.batchSize, c = channels, s = spatialSize
        xhat.reshape(to: x.shape)
        output.reshape(to: x.shape)
        usedBatchStatistics = context.isTraining
        valuesPerChannel = n * s
        if context.isTraining {
            precondition(n * s > 1, "batchnorm needs more than one value per channel in training")
            T.channelStatistics(x.data, n: n, c: c, s: s, mean: mean.data, variance: variance.data, context.compute)
            T.batchNormStatistics(mean: mean.data, variance: variance.data, count: n * s, channels: c,
                                  momentum: momentum, eps: eps, runningMean: runningMean.data,
                                  runningVar: runningVar.data, invstd: invstd.data)
            batchesTracked.value += 1
        } else {
            mean.copy(from: runningMean)
            T.inverseStandardDeviation(variance: runningVar.data, eps: eps, into: invstd.data, count: c)
        }
        T.channelNormalize(x.data, n: n, c: c, s: s, mean: mean.data, invstd: invstd.data,
                           gamma: weight.value.data, beta: bias.value.data, relu: fusedReLU, xhat: xhat.data,
                           y: output.data, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = dy.batchSize, c = channels, s = spatialSize
        inputGradient.reshape(to: dy.shape)
        let relu = fusedReLU ? ReLUAffine<T>(gamma: weight.value.data, beta: bias.value.data) : nil
        T.channelGradientSums(dy.data, xhat.data, relu: relu, n: n, c: c, s: s, sumDy: sumDy.data,
                              sumDyXhat: sumDyXhat.data, context.compute)
        T.axpy(1, sumDyXhat.data, weight.gradient.data, count: c)
        T.axpy(1, sumDy.data, bias.gradient.data, count: c)
        T.channelNormalizeBackward(dy.data, xhat.data, relu: relu, n: n, c: c, s: s, invstd: invstd.data,
                                   gamma: weight.value.data, sumDy: sumDy.data, sumDyXhat: sumDyXhat.data,
                                   m: usedBatchStatistics ? valuesPerChannel : 0, dx: inputGradient.data,
                                   context.compute)
        return inputGradient
    }
}

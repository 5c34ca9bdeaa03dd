/// Normalisation over contiguous blocks of one sample, with a per-channel affine: the
/// shared machinery of `layernorm` (one block per sample) and `instancenorm` (one
/// block per sample and channel).
///
/// Forward per block: `xhat = (x - μ) / √(σ² + eps)` (biased variance),
/// `y = γ_c · xhat + β_c`. Backward per block, with `g = dy · γ_c`:
/// `dx = (g - mean(g) - xhat · mean(g · xhat)) / √(σ² + eps)`;
/// `dγ_c += Σ dy · xhat`, `dβ_c += Σ dy` over the batch and space.
public class GroupNormalization<T: Scalar>: Layer {
    public let outputShape: [Int]
    public let channels: Int
    public let spatialSize: Int
    public let channelsPerBlock: Int
    public let eps: Double
    public let weight: Parameter<T>  // γ [C], ones
    public let bias: Parameter<T>    // β [C], zeros

    private let invstd = Tensor<T>(shape: [0])   // [blocks]
    private let xhat = Tensor<T>(shape: [0])
    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    private let sumDy: Tensor<T>
    private let sumDyXhat: Tensor<T>

    /// Five per element: centre, scale and shift, and the statistics.
    public var forwardFLOPs: Int { 5 * outputShape.reduce(1, *) }

    /// `unit` is the part of a sample that is normalised with its affine: the whole sample,
    /// or one position's features [F] of a sequence sample [T, F].
    init(shape: [Int], unit: [Int], channelsPerBlock: Int, eps: Double) {
        outputShape = shape
        channels = unit[0]
        spatialSize = unit.dropFirst().reduce(1, *)
        self.channelsPerBlock = channelsPerBlock
        self.eps = eps
        let ones = Tensor<T>(shape: [channels])
        ones.fill(1)
        weight = Parameter(ones, regularized: false)
        bias = Parameter(Tensor(shape: [channels]), regularized: false)
        sumDy = Tensor(shape: [channels])
        sumDyXhat = Tensor(shape: [channels])
    }

    public var state: [(name: String, entry: StateEntry<T>)] {
        [("weight", .parameter(weight)), ("bias", .parameter(bias))]
    }

    /// The normalised units of a batch: N, or N·T for sequences.
    private func units(_ x: Tensor<T>) -> Int { x.count / (channels * spatialSize) }
    private func blocks(_ x: Tensor<T>) -> Int { units(x) * channels / channelsPerBlock }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        xhat.reshape(to: x.shape)
        output.reshape(to: x.shape)
        invstd.reshape(to: [blocks(x)])
        T.groupNormalize(x.data, blocks: blocks(x), channelsPerBlock: channelsPerBlock, s: spatialSize,
                         channels: channels, eps: T(eps), gamma: weight.value.data, beta: bias.value.data,
                         xhat: xhat.data, y: output.data, invstd: invstd.data, context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        let n = units(dy)
        inputGradient.reshape(to: dy.shape)
        T.channelGradientSums(dy.data, xhat.data, relu: nil, n: n, c: channels, s: spatialSize, sumDy: sumDy.data,
                              sumDyXhat: sumDyXhat.data, context.compute)
        T.axpy(1, sumDyXhat.data, weight.gradient.data, count: channels)
        T.axpy(1, sumDy.data, bias.gradient.data, count: channels)
        T.groupNormalizeBackward(dy.data, xhat.data, invstd: invstd.data, blocks: blocks(dy),
                                 channelsPerBlock: channelsPerBlock, s: spatialSize, channels: channels,
                                 gamma: weight.value.data, dx: inputGradient.data, context.compute)
        return inputGradient
    }
}

/// Layer normalisation over all non-batch dimensions: `nn.LayerNorm(D)` on [N, D]
/// (affine per feature) and `nn.GroupNorm(1, C)` on [N, C, H, W] (affine per channel);
/// on a sequence [N, T, F], `nn.LayerNorm(F)` at every position.
public final class LayerNorm<T: Scalar>: GroupNormalization<T> {
    public init(shape: [Int], eps: Double = 1e-5) {
        let unit = shape.count == 2 ? [shape[1]] : shape
        super.init(shape: shape, unit: unit, channelsPerBlock: unit[0], eps: eps)
    }
}

/// Instance normalisation, `nn.InstanceNorm2d(C, affine=True)`: each sample's channel
/// normalised over H and W; no running statistics, so training and evaluation agree.
public final class InstanceNorm<T: Scalar>: GroupNormalization<T> {
    public init(shape: [Int], eps: Double = 1e-5) {
        super.init(shape: shape, unit: shape, channelsPerBlock: 1, eps: eps)
    }
}

/// Whether a forward pass trains (batch statistics, dropout) or evaluates.
public enum Mode: Sendable {
    case training
    case evaluation
}

/// What a forward or backward pass needs besides its input: the mode, the random
/// generator (dropout masks) and the compute context (threads, scratch memory).
///
/// Nothing of this lives in globals, so the gradient checker can replay a forward pass
/// with the same dropout mask by restoring `random`.
public final class Context: @unchecked Sendable {
    public var mode: Mode
    public var random: RandomGenerator
    public let compute: Compute

    public init(mode: Mode = .training, random: RandomGenerator = RandomGenerator(seed: 0), compute: Compute) {
        self.mode = mode
        self.random = random
        self.compute = compute
    }

    public var isTraining: Bool { mode == .training }
}

/// One named tensor of a layer's state, as it appears in PyTorch's `state_dict()`.
public enum StateEntry<T: Scalar> {
    /// A trainable parameter (`weight`, `bias`).
    case parameter(Parameter<T>)
    /// A buffer that is not trained by gradients (`running_mean`, `running_var`).
    case buffer(Tensor<T>)
    /// An integer scalar buffer (`num_batches_tracked`, saved as I64).
    case counter(Counter)
}

/// A mutable integer shared between a layer and the checkpoint code.
public final class Counter: @unchecked Sendable {
    public var value: Int
    public init(_ value: Int = 0) { self.value = value }
}

/// A layer of a network: an explicit forward and backward pass over a batch.
///
/// Shapes are per sample (no batch dimension) and fixed when the layer is built, so a
/// config that cannot work fails before the first step. `forward` returns a tensor the
/// layer owns and reuses; `backward` receives the gradient of the loss with respect to
/// that output, *accumulates* into its parameters' gradients, and returns the gradient
/// with respect to the input of the latest `forward`.
public protocol Layer<Element>: AnyObject {
    associatedtype Element: Scalar

    /// The per-sample output shape, e.g. [D] or [C, H, W].
    var outputShape: [Int] { get }

    /// Parameters and buffers in `state_dict()` order, with PyTorch's local names.
    var state: [(name: String, entry: StateEntry<Element>)] { get }

    /// y = f(x). `x` stays valid (unchanged) until `backward` returns.
    func forward(_ x: Tensor<Element>, _ context: Context) -> Tensor<Element>

    /// dx from dy (shape of the last output); adds parameter gradients.
    func backward(_ dy: Tensor<Element>, _ context: Context) -> Tensor<Element>

    /// The layers this one is made of (a `Sequential`'s layers, a residual block's two
    /// branches), so the trainer, the gradient checker and the summary walk a network
    /// without knowing its layer types. Empty for a plain layer.
    var sublayers: [any Layer<Element>] { get }

    /// Forward FLOPs of one sample, as `dnn inspect` counts them: a multiply-add counts
    /// two, plus one per output for a bias; an elementwise layer one per element.
    var forwardFLOPs: Int { get }

    /// A fingerprint of which side of every kink (ReLU at 0, a max-pool tie) the latest
    /// forward's inputs fell on, or 0 for a smooth layer. The gradient checker skips an
    /// entry when a perturbation of ±h changes it, as Caffe's checker does: across a kink
    /// the central difference averages two different one-sided slopes and means nothing.
    var kinkPattern: UInt64 { get }

    /// Stops computing the gradient of the input, for the network's first layer with
    /// parameters, whose input is data; `backward` then returns an unspecified tensor.
    func skipInputGradient()
}

extension Layer {
    public var state: [(name: String, entry: StateEntry<Element>)] { [] }
    public var sublayers: [any Layer<Element>] { [] }
    public var forwardFLOPs: Int { outputShape.reduce(1, *) }
    public var kinkPattern: UInt64 { 0 }
    public func skipInputGradient() {}

    /// This layer and every layer inside it, depth first.
    public var allLayers: [any Layer<Element>] {
        [self] + sublayers.flatMap { $0.allLayers }
    }

    /// The trainable parameters with their local names.
    public var parameters: [(name: String, parameter: Parameter<Element>)] {
        state.compactMap { item in
            if case .parameter(let parameter) = item.entry { return (item.name, parameter) }
            return nil
        }
    }
}

/// Combines a sequence of booleans or small integers into a 64-bit fingerprint (FNV-1a).
struct KinkHasher {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    mutating func add(_ item: UInt64) {
        value = (value ^ item) &* 0x100_0000_01b3
    }
}

/// A trainable tensor and the gradient of the loss with respect to it.
public final class Parameter<T: Scalar>: @unchecked Sendable {
    /// The current value.
    public let value: Tensor<T>
    /// dLoss/dValue, accumulated by backward passes; zeroed before each step.
    public let gradient: Tensor<T>
    /// Whether `solver.reg` (L2 on weights of linear and conv layers) applies.
    public let isRegularized: Bool

    public init(_ value: Tensor<T>, regularized: Bool) {
        self.value = value
        self.gradient = Tensor(shape: value.shape)
        self.isRegularized = regularized
    }
}

/// The hyperparameters of the 1-d window layers on a `[C, T]` sample: `conv1d`
/// (`nn.Conv1d`, groups 1) and `maxpool1d` / `avgpool1d` (`nn.MaxPool1d` / `nn.AvgPool1d`).

/// The hyperparameters of `nn.Conv1d(in, out, kernel, stride, padding, dilation, bias)`.
public struct Conv1DSpec: Equatable, Sendable {
    /// Output channels.
    public var out: Int
    /// Taps of the kernel.
    public var kernel: Int
    /// The step between outputs (1).
    public var stride: Int
    /// Zeros before and after the sequence: a count on each side, or "same".
    public var padding: Padding1D
    /// The distance between taps (1); the kernel spans `dilation · (kernel - 1) + 1` positions.
    public var dilation: Int
    /// Whether the layer has a bias (true).
    public var bias: Bool
    /// How the weights start (JSON `init`, "he").
    public var initScheme: InitScheme

    /// A convolution with PyTorch's defaults: stride 1, no padding, dilation 1, a bias, He init.
    public init(out: Int, kernel: Int, stride: Int = 1, padding: Padding1D = .explicit(0), dilation: Int = 1,
                bias: Bool = true, initScheme: InitScheme = .he) {
        self.out = out
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.bias = bias
        self.initScheme = initScheme
    }

    /// Zeros (before, after) the sequence. "same" splits the total `dilation · (kernel - 1)`
    /// as PyTorch does: half before, the rest (one more when odd) after.
    public var pads: (before: Int, after: Int) {
        switch padding {
        case .explicit(let amount): return (amount, amount)
        case .same:
            // A config may give any sizes: saturate, and the network builder refuses the result.
            let (product, overflow) = dilation.multipliedReportingOverflow(by: kernel - 1)
            let total = overflow ? Int.max : product
            return (total / 2, total - total / 2)
        }
    }
}

/// A 1-d convolution's zero padding.
public enum Padding1D: Equatable, Sendable {
    /// The same count on both sides.
    case explicit(Int)
    /// Output length = input length (stride 1 only).
    case same
}

/// The hyperparameters of `nn.MaxPool1d` / `nn.AvgPool1d(kernel, stride, padding)` (floor
/// mode; the average counts padded zeros).
public struct Pool1DSpec: Equatable, Sendable {
    /// The window's length.
    public var kernel: Int
    /// The step between windows (= kernel).
    public var stride: Int
    /// Zeros on each side (0), at most half the kernel.
    public var padding: Int

    /// A window whose stride defaults to the kernel, as in PyTorch.
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }
}

// MARK: - Decoding

extension Conv1DSpec {
    /// `out`, `kernel` (required), `stride` (1), `padding` (0, "same" or "valid"),
    /// `dilation` (1), `bias` (true) and the init.
    static func decode(_ object: ConfigObject) throws -> Conv1DSpec {
        let out = try object.int("out", minimum: 1)
        let kernel = try object.int("kernel", minimum: 1)
        let stride = try object.int("stride", default: 1, minimum: 1)
        let padding: Padding1D
        switch object["padding"] {
        case nil, .string("valid")?:
            padding = .explicit(0)
            object.record("padding", .integer(0))
        case .string("same")?:
            guard stride == 1 else {
                throw DNNError.config(object.path("padding"), "\"same\" padding needs stride 1, got stride \(stride)",
                                      hint: "PyTorch refuses padding='same' for strided convolutions; give the padding as a number")
            }
            padding = .same
            object.record("padding", "same")
        case .string?:
            throw DNNError.config(object.path("padding"),
                                  "expected an integer or \"same\", got \(object["padding"]!.quotedForMessage)")
        default:
            padding = .explicit(try object.int("padding", minimum: 0))
        }
        return Conv1DSpec(out: out, kernel: kernel, stride: stride, padding: padding,
                          dilation: try object.int("dilation", default: 1, minimum: 1),
                          bias: try object.bool("bias", default: true), initScheme: try InitScheme.decode(object))
    }
}

extension Pool1DSpec {
    /// `kernel` (required), `stride` (= kernel), `padding` (0, at most half the kernel).
    static func decode(_ object: ConfigObject) throws -> Pool1DSpec {
        let kernel = try object.int("kernel", minimum: 1)
        let stride = try object.int("stride", default: kernel, minimum: 1)
        let padding = try object.int("padding", default: 0, minimum: 0)
        guard padding <= kernel / 2 else {
            throw DNNError.config(object.path("padding"),
                                  "must be at most half the kernel size (PyTorch's rule), got \(padding) for kernel \(kernel)",
                                  hint: "kernel \(kernel) allows padding up to \(kernel / 2)")
        }
        return Pool1DSpec(kernel: kernel, stride: stride, padding: padding)
    }
}

extension LayerSpec {
    /// The layers of [C, T] samples: conv1d, the 1-d and global poolings, transpose.
    static func decodeSequenceLayer(_ type: LayerType, _ object: ConfigObject) throws -> LayerSpec {
        switch type {
        case .conv1d: .conv1d(try Conv1DSpec.decode(object))
        case .maxpool1d: .maxpool1d(try Pool1DSpec.decode(object))
        case .avgpool1d: .avgpool1d(try Pool1DSpec.decode(object))
        case .globalAvgPool: .globalAvgPool
        case .globalMaxPool: .globalMaxPool
        case .transpose: .transpose
        default: preconditionFailure("\(type.rawValue) is not a sequence layer")
        }
    }
}

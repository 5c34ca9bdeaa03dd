/// The hyperparameters that several layer types share, and how each is read from a
/// config object: the weight init, a convolution's and a pooling window's geometry.

/// How a linear or conv layer's weights are drawn before training; JSON `init`.
public enum InitScheme: Equatable, Sendable {
    /// He (Kaiming) initialisation, scaled by fan-in for ReLU networks; the default.
    case he
    /// Glorot (Xavier) initialisation, scaled by fan-in and fan-out.
    case xavier
    /// N(0, std²), the course Solver's `weight_scale`; JSON `"init": "normal"` with the
    /// layer key `weight_scale` (0.01).
    case normal(std: Double)
    /// PyTorch's own default for `nn.Linear` / `nn.Conv2d`, to match a freshly built
    /// torch module's distribution.
    case torch

    /// The JSON `init` value: "he", "xavier", "normal", "torch".
    public var name: String {
        switch self {
        case .he: "he"
        case .xavier: "xavier"
        case .normal: "normal"
        case .torch: "torch"
        }
    }

    /// Every `init` a config may use.
    public static let names = ["he", "xavier", "normal", "torch"]
}

/// The hyperparameters of `nn.Conv2d` (dilation 1, groups 1).
public struct Conv2DSpec: Equatable, Sendable {
    /// Output channels.
    public var out: Int
    /// The kernel's height (JSON `kernel`: an int or [h, w]).
    public var kernelHeight: Int
    /// The kernel's width.
    public var kernelWidth: Int
    /// The vertical step (JSON `stride`: an int or [h, w]; 1).
    public var strideHeight: Int
    /// The horizontal step.
    public var strideWidth: Int
    /// Zeros around the input (JSON `padding`: an int, [h, w] or "same"; 0).
    public var padding: Padding
    /// Whether the layer has a bias (true).
    public var bias: Bool
    /// How the weights start (JSON `init`, "he").
    public var initScheme: InitScheme

    /// A convolution with PyTorch's defaults: stride 1, no padding, a bias, He init.
    public init(out: Int, kernelHeight: Int, kernelWidth: Int, strideHeight: Int = 1, strideWidth: Int = 1,
                padding: Padding = .explicit(height: 0, width: 0), bias: Bool = true, initScheme: InitScheme = .he) {
        self.out = out
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
        self.bias = bias
        self.initScheme = initScheme
    }

    /// A square kernel and stride: `Conv2DSpec(out: 16, kernel: 3, padding: .same)`.
    public init(out: Int, kernel: Int, stride: Int = 1, padding: Padding = .explicit(height: 0, width: 0),
                bias: Bool = true, initScheme: InitScheme = .he) {
        self.init(out: out, kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride, strideWidth: stride,
                  padding: padding, bias: bias, initScheme: initScheme)
    }
}

/// A convolution's zero padding.
public enum Padding: Equatable, Sendable {
    /// The same padding on both sides of each dimension.
    case explicit(height: Int, width: Int)
    /// Output size = input size (stride 1 only). The total `kernel - 1` is split as
    /// PyTorch does: `total / 2` before, the rest (one more when odd) after.
    case same
}

/// The hyperparameters of `nn.MaxPool2d` / `nn.AvgPool2d` (floor mode; padding at most
/// half the kernel, PyTorch's rule).
public struct PoolSpec: Equatable, Sendable {
    /// The window's height (JSON `kernel`: an int or [h, w]).
    public var kernelHeight: Int
    /// The window's width.
    public var kernelWidth: Int
    /// The vertical step (JSON `stride`, default the kernel).
    public var strideHeight: Int
    /// The horizontal step.
    public var strideWidth: Int
    /// Rows added above and below (JSON `padding`, 0); at most kernelHeight / 2.
    public var paddingHeight: Int
    /// Columns added left and right; at most kernelWidth / 2.
    public var paddingWidth: Int

    /// A pooling window; every field explicit.
    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                paddingHeight: Int = 0, paddingWidth: Int = 0) {
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.paddingHeight = paddingHeight
        self.paddingWidth = paddingWidth
    }

    /// A square window whose stride defaults to the kernel, as in PyTorch:
    /// `PoolSpec(kernel: 2)`.
    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelHeight: kernel, kernelWidth: kernel, strideHeight: stride ?? kernel,
                  strideWidth: stride ?? kernel, paddingHeight: padding, paddingWidth: padding)
    }
}

// MARK: - Decoding

extension InitScheme {
    /// `init` ("he") and, for "normal" only, `weight_scale` (0.01).
    static func decode(_ object: ConfigObject) throws -> InitScheme {
        let name = try object.choice("init", default: "he", options: names, what: "init")
        if name == "normal" {
            return .normal(std: try object.double("weight_scale", default: 0.01, .greaterThan(0)))
        }
        if object.contains("weight_scale") {
            throw DNNError.config(object.path("weight_scale"),
                                  "only applies with \"init\": \"normal\", but init is \"\(name)\"",
                                  hint: "set \"init\": \"normal\" or remove weight_scale")
        }
        switch name {
        case "xavier": return .xavier
        case "torch": return .torch
        default: return .he
        }
    }
}

extension Conv2DSpec {
    /// `out`, `kernel` (required), `stride` (1), `padding` (0, [h, w], "same" or "valid"),
    /// `bias` (true) and the init.
    static func decode(_ object: ConfigObject) throws -> Conv2DSpec {
        let out = try object.int("out", minimum: 1)
        let kernel = try ConfigValue.pair(try object.required("kernel"), at: object.path("kernel"), minimum: 1)
        object.record("kernel", pairJSON(kernel))
        let stride = try object["stride"].map { try ConfigValue.pair($0, at: object.path("stride"), minimum: 1) }
            ?? (height: 1, width: 1)
        object.record("stride", pairJSON(stride))
        let padding = try decodePadding(object, stride: stride)
        switch padding {
        case .same: object.record("padding", "same")
        case let .explicit(height, width): object.record("padding", pairJSON((height, width)))
        }
        return Conv2DSpec(out: out, kernelHeight: kernel.height, kernelWidth: kernel.width,
                          strideHeight: stride.height, strideWidth: stride.width, padding: padding,
                          bias: try object.bool("bias", default: true), initScheme: try InitScheme.decode(object))
    }

    private static func decodePadding(_ object: ConfigObject, stride: (height: Int, width: Int)) throws -> Padding {
        guard let value = object["padding"] else { return .explicit(height: 0, width: 0) }
        let paddingPath = object.path("padding")
        switch value {
        case .string("same"):
            guard stride.height == 1 && stride.width == 1 else {
                throw DNNError.config(paddingPath, "\"same\" padding needs stride 1, got stride \(shown(stride))",
                                      hint: "PyTorch refuses padding='same' for strided convolutions; give the padding as numbers")
            }
            return .same
        case .string("valid"):
            return .explicit(height: 0, width: 0)
        case .number, .array:
            let amounts = try ConfigValue.pair(value, at: paddingPath, minimum: 0)
            return .explicit(height: amounts.height, width: amounts.width)
        default:
            throw DNNError.config(paddingPath, "expected an integer, [height, width] or \"same\", got \(value.quotedForMessage)")
        }
    }
}

extension PoolSpec {
    /// `kernel` (required), `stride` (= kernel), `padding` (0, at most half the kernel).
    static func decode(_ object: ConfigObject) throws -> PoolSpec {
        let kernel = try ConfigValue.pair(try object.required("kernel"), at: object.path("kernel"), minimum: 1)
        let stride = try object["stride"].map { try ConfigValue.pair($0, at: object.path("stride"), minimum: 1) } ?? kernel
        let padding = try object["padding"].map { try ConfigValue.pair($0, at: object.path("padding"), minimum: 0) }
            ?? (height: 0, width: 0)
        if padding.height > kernel.height / 2 || padding.width > kernel.width / 2 {
            throw DNNError.config(object.path("padding"),
                                  "must be at most half the kernel size (PyTorch's rule), got \(shown(padding)) "
                                  + "for kernel \(shown(kernel))",
                                  hint: "kernel \(shown(kernel)) allows padding up to \(shown((kernel.height / 2, kernel.width / 2)))")
        }
        object.record("kernel", pairJSON(kernel))
        object.record("stride", pairJSON(stride))
        object.record("padding", pairJSON(padding))
        return PoolSpec(kernelHeight: kernel.height, kernelWidth: kernel.width, strideHeight: stride.height,
                        strideWidth: stride.width, paddingHeight: padding.height, paddingWidth: padding.width)
    }
}

/// `3` for a square size, `[3, 5]` otherwise: how a resolved config writes a pair.
private func pairJSON(_ pair: (height: Int, width: Int)) -> JSON {
    pair.height == pair.width ? .integer(pair.height) : [.integer(pair.height), .integer(pair.width)]
}

/// A pair as messages show it: `2` or `[2, 3]`.
private func shown(_ pair: (height: Int, width: Int)) -> String {
    pair.height == pair.width ? "\(pair.height)" : "[\(pair.height), \(pair.width)]"
}

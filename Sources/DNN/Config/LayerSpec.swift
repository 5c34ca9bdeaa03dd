/// One entry of `model.layers`: which layer, with its hyperparameters decoded and checked.
///
/// A closed enum, so the network builder's exhaustive `switch` turns a forgotten layer
/// into a compile error. Names and defaults are PyTorch's; the JSON spelling of each
/// case is its `typeName` (`{"type": "leaky_relu", "slope": 0.2}`).
public indirect enum LayerSpec: Equatable, Sendable {
    /// `nn.Linear(in, out, bias)`; `in` comes from the previous layer.
    case linear(out: Int, bias: Bool, init: InitScheme)
    /// `nn.Conv2d`.
    case conv2d(Conv2DSpec)
    /// `nn.MaxPool2d` (floor mode).
    case maxpool2d(PoolSpec)
    /// `nn.AvgPool2d` (floor mode; padded zeros count in the average).
    case avgpool2d(PoolSpec)
    /// `nn.Flatten()`: [C, H, W] to [C * H * W] in C, H, W order.
    case flatten
    /// `nn.ReLU()`: max(0, x).
    case relu
    /// `nn.Sigmoid()`: 1 / (1 + e^-x).
    case sigmoid
    /// `nn.Tanh()`.
    case tanh
    /// The exact GELU, x * Φ(x) with the erf form.
    case gelu
    /// `nn.LeakyReLU(negative_slope)`; JSON key `slope` (0.01).
    case leakyReLU(slope: Double)
    /// `nn.Dropout(p)`: `p` is the probability of dropping a unit, in [0, 1).
    case dropout(p: Double)
    /// `nn.Dropout2d(p)`: drops whole channels.
    case dropout2d(p: Double)
    /// `nn.BatchNorm1d/2d`; `momentum` is the weight of the NEW batch statistic.
    case batchnorm(momentum: Double, eps: Double)
    /// `nn.LayerNorm(D)` on [D], `nn.GroupNorm(1, C)` on [C, H, W].
    case layernorm(eps: Double)
    /// `nn.InstanceNorm2d(C, affine=True)`.
    case instancenorm(eps: Double)
    /// `nn.RMSNorm(shape[1:], eps)`.
    case rmsnorm(eps: Double)
    /// body(x) + shortcut(x); an empty shortcut is the identity.
    case residual(body: [LayerSpec], shortcut: [LayerSpec])

    /// The JSON `type` of this layer: "linear", "leaky_relu", ...
    public var typeName: String {
        switch self {
        case .linear: "linear"
        case .conv2d: "conv2d"
        case .maxpool2d: "maxpool2d"
        case .avgpool2d: "avgpool2d"
        case .flatten: "flatten"
        case .relu: "relu"
        case .sigmoid: "sigmoid"
        case .tanh: "tanh"
        case .gelu: "gelu"
        case .leakyReLU: "leaky_relu"
        case .dropout: "dropout"
        case .dropout2d: "dropout2d"
        case .batchnorm: "batchnorm"
        case .layernorm: "layernorm"
        case .instancenorm: "instancenorm"
        case .rmsnorm: "rmsnorm"
        case .residual: "residual"
        }
    }

    /// Every layer `type` a config may use, in the order error messages list them.
    public static let typeNames = [
        "linear", "conv2d", "maxpool2d", "avgpool2d", "flatten", "relu", "sigmoid", "tanh", "gelu",
        "leaky_relu", "dropout", "dropout2d", "batchnorm", "layernorm", "instancenorm", "rmsnorm", "residual",
    ]
}

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

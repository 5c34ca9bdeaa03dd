/// Where a convolution or pooling window goes over a [C, H, W] input.
///
/// Output size per axis: `(size + padBefore + padAfter - kernel) / stride + 1`, rounded
/// down (PyTorch's floor mode). Padding may differ before and after, which
/// `padding: "same"` needs for even kernels (PyTorch puts the odd pixel after).
public struct WindowGeometry: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padTop: Int
    public var padBottom: Int
    public var padLeft: Int
    public var padRight: Int

    public init(channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int, strideWidth: Int, padTop: Int, padBottom: Int, padLeft: Int, padRight: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padTop = padTop
        self.padBottom = padBottom
        self.padLeft = padLeft
        self.padRight = padRight
    }

    public var outputHeight: Int { (height + padTop + padBottom - kernelHeight) / strideHeight + 1 }
    public var outputWidth: Int { (width + padLeft + padRight - kernelWidth) / strideWidth + 1 }
    /// H·W of one input channel.
    public var inputPlane: Int { height * width }
    /// OH·OW of one output channel.
    public var outputPlane: Int { outputHeight * outputWidth }
    /// Whether the kernel fits in the padded input along both axes.
    public var fits: Bool {
        kernelHeight <= height + padTop + padBottom && kernelWidth <= width + padLeft + padRight
    }
}

/// The window a conv2d or pooling spec describes over a [C, H, W] input: what the network
/// builder checks and builds a layer with, and what the ONNX export writes as
/// `kernel_shape`, `strides` and `pads`, from the spec alone (never from the built layer).
extension Conv2DSpec {
    /// The window over an input of `shape` [C, H, W]; `"same"` splits `kernel - 1` as
    /// PyTorch does: half before, the rest (one more when odd) after.
    public func window(over shape: [Int]) -> WindowGeometry {
        let top: Int, bottom: Int, left: Int, right: Int
        switch padding {
        case let .explicit(height, width):
            (top, bottom, left, right) = (height, height, width, width)
        case .same:
            let totalHeight = kernelHeight - 1, totalWidth = kernelWidth - 1
            (top, bottom) = (totalHeight / 2, totalHeight - totalHeight / 2)
            (left, right) = (totalWidth / 2, totalWidth - totalWidth / 2)
        }
        return WindowGeometry(channels: shape[0], height: shape[1], width: shape[2],
                              kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                              strideHeight: strideHeight, strideWidth: strideWidth,
                              padTop: top, padBottom: bottom, padLeft: left, padRight: right)
    }
}

extension PoolSpec {
    /// The window over an input of `shape` [C, H, W], padded alike on both sides.
    public func window(over shape: [Int]) -> WindowGeometry {
        WindowGeometry(channels: shape[0], height: shape[1], width: shape[2],
                       kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                       strideHeight: strideHeight, strideWidth: strideWidth,
                       padTop: paddingHeight, padBottom: paddingHeight,
                       padLeft: paddingWidth, padRight: paddingWidth)
    }
}

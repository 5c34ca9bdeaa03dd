/// `maxpool1d` / `avgpool1d` and `global_maxpool` / `global_avgpool` are `Pooling` over
/// other views of the same row-major storage, so they share its kernels, its tie rule
/// (the first maximum wins, a NaN wins) and its gradient:
/// - a [C, T] sample is C planes of 1 x T, pooled by a 1 x k window (`nn.MaxPool1d`,
///   `nn.AvgPool1d`, floor mode, the average counting padded zeros);
/// - a global pooling is one window that covers the whole plane, T or H x W, giving one
///   value per channel: `nn.AdaptiveMaxPool1d(1)` / `nn.AdaptiveAvgPool2d(1)` and so on,
///   then flatten, so the output is [C].
extension Pooling {
    /// 1-d pooling of a [C, T] sample with `spec`'s window, stride and padding.
    public static func oneDimensional(_ kind: Kind, _ spec: Pool1DSpec, inputShape: [Int]) -> Pooling {
        let geometry = WindowGeometry(channels: inputShape[0], height: 1, width: inputShape[1], kernelHeight: 1,
                                      kernelWidth: spec.kernel, strideHeight: 1, strideWidth: spec.stride,
                                      padTop: 0, padBottom: 0, padLeft: spec.padding, padRight: spec.padding)
        return Pooling(kind, geometry: geometry, inputShape: inputShape,
                       outputShape: [inputShape[0], geometry.outputWidth])
    }

    /// The maximum or mean over every position of a [C, T] or [C, H, W] sample, giving [C].
    public static func global(_ kind: Kind, inputShape: [Int]) -> Pooling {
        let height = inputShape.count == 3 ? inputShape[1] : 1, width = inputShape[inputShape.count - 1]
        let geometry = WindowGeometry(channels: inputShape[0], height: height, width: width, kernelHeight: height,
                                      kernelWidth: width, strideHeight: height, strideWidth: width,
                                      padTop: 0, padBottom: 0, padLeft: 0, padRight: 0)
        return Pooling(kind, geometry: geometry, inputShape: inputShape, outputShape: [inputShape[0]])
    }
}

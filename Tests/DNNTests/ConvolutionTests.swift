import Testing
@testable import DNN

/// Convolution paths that the small PyTorch fixtures do not reach: output planes of 512
/// or more, which the forward pass computes as one product per sample.
@Suite struct ConvolutionTests {
    /// A direct, loop-by-loop cross-correlation with zero padding.
    static func naive(_ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>, _ g: WindowGeometry, n: Int,
                      out: Int) -> [Double] {
        var y: [Double] = []
        for sample in 0..<n {
            for o in 0..<out {
                for oy in 0..<g.outputHeight {
                    for ox in 0..<g.outputWidth {
                        var sum = b[o]
                        for c in 0..<g.channels {
                            for i in 0..<g.kernelHeight {
                                for j in 0..<g.kernelWidth {
                                    let ih = oy * g.strideHeight - g.padTop + i, iw = ox * g.strideWidth - g.padLeft + j
                                    guard ih >= 0, ih < g.height, iw >= 0, iw < g.width else { continue }
                                    sum += x[((sample * g.channels + c) * g.height + ih) * g.width + iw]
                                        * w[((o * g.channels + c) * g.kernelHeight + i) * g.kernelWidth + j]
                                }
                            }
                        }
                        y.append(sum)
                    }
                }
            }
        }
        return y
    }

    @Test func largePlanesMatchADirectConvolution() {
        var random = RandomGenerator(seed: 21)
        let g = WindowGeometry(channels: 2, height: 24, width: 24, kernelHeight: 3, kernelWidth: 3, strideHeight: 1,
                               strideWidth: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        #expect(g.outputPlane >= Conv2D<Double>.perSamplePlane)
        let conv = Conv2D<Double>(geometry: g, outChannels: 3, initializer: .torch, random: &random)
        let x = Tensor<Double>(shape: [2, 2, 24, 24], values: (0..<(2 * 2 * 576)).map { _ in random.normal() })
        let y = conv.forward(x, Context(compute: Compute(threads: 2)))
        #expect(maxRelativeDifference(y.array, Self.naive(x, conv.weight.value, conv.bias!.value, g, n: 2, out: 3)) < 1e-13)
        for check in GradientCheck.layer(conv, input: x) {
            #expect(check.relativeError < 1e-6, "\(check.name): \(check.relativeError)")
        }
    }

    /// The first layer's backward (no input gradient) takes a per-sample path for dW: the
    /// same parameter gradients as the general path.
    @Test func firstLayerBackwardMatchesTheGeneralPath() {
        let g = WindowGeometry(channels: 1, height: 28, width: 28, kernelHeight: 3, kernelWidth: 3, strideHeight: 1,
                               strideWidth: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        var randomA = RandomGenerator(seed: 4), randomB = RandomGenerator(seed: 4)
        let general = Conv2D<Double>(geometry: g, outChannels: 5, initializer: .torch, random: &randomA)
        let first = Conv2D<Double>(geometry: g, outChannels: 5, initializer: .torch, random: &randomB)
        first.computesInputGradient = false
        var random = RandomGenerator(seed: 8)
        let x = Tensor<Double>(shape: [3, 1, 28, 28], values: (0..<(3 * 784)).map { _ in random.normal() })
        let dy = Tensor<Double>(shape: [3, 5, 28, 28], values: (0..<(3 * 5 * 784)).map { _ in random.normal() })
        let context = Context(compute: Compute(threads: 2))
        for conv in [general, first] {
            _ = conv.forward(x, context)
            _ = conv.backward(dy, context)
        }
        #expect(maxRelativeDifference(first.weight.gradient.array, general.weight.gradient.array) < 1e-12)
        #expect(maxRelativeDifference(first.bias!.gradient.array, general.bias!.gradient.array) < 1e-12)
    }
}

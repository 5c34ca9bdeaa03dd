import Testing
@testable import DNN

/// Convolution paths that the small PyTorch fixtures do not all reach: output planes of
/// 512 or more, which im2col computes as one product per sample; Winograd's F(2x2, 3x3)
/// and the direct loops on odd and even sizes with every kind of padding.
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

    /// A normal random input x [n, C, H, W] and output gradient dy [n, out, OH, OW].
    static func randomBatch(_ g: WindowGeometry, out: Int, n: Int, seed: UInt64) -> (Tensor<Double>, Tensor<Double>) {
        var random = RandomGenerator(seed: seed)
        let x = Tensor<Double>(shape: [n, g.channels, g.height, g.width],
                               values: (0..<(n * g.channels * g.inputPlane)).map { _ in random.normal() })
        let dy = Tensor<Double>(shape: [n, out, g.outputHeight, g.outputWidth],
                                values: (0..<(n * out * g.outputPlane)).map { _ in random.normal() })
        return (x, dy)
    }

    @Test func largePlanesMatchADirectConvolution() {
        var random = RandomGenerator(seed: 21)
        let g = WindowGeometry(channels: 2, height: 24, width: 24, kernelHeight: 3, kernelWidth: 3, strideHeight: 1,
                               strideWidth: 1, padTop: 1, padBottom: 1, padLeft: 1, padRight: 1)
        #expect(g.outputPlane >= Conv2D<Double>.perSamplePlane)
        let conv = Conv2D<Double>(geometry: g, outChannels: 3, initializer: .torch, random: &random)
        conv.algorithm = .im2col
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
        first.skipInputGradient()
        general.algorithm = .im2col
        first.algorithm = .im2col
        let (x, dy) = Self.randomBatch(g, out: 5, n: 3, seed: 8)
        let context = Context(compute: Compute(threads: 2))
        for conv in [general, first] {
            _ = conv.forward(x, context)
            _ = conv.backward(dy, context)
        }
        #expect(maxRelativeDifference(first.weight.gradient.array, general.weight.gradient.array) < 1e-12)
        #expect(maxRelativeDifference(first.bias!.gradient.array, general.bias!.gradient.array) < 1e-12)
    }

    /// 3x3 stride-1 windows: even and odd output sizes, no padding, "same", asymmetric and
    /// padding wider than the kernel's reach; channel counts below, at and above a vector
    /// (8 Doubles), whole and not.
    static let winogradCases: [(geometry: WindowGeometry, out: Int)] = [
        (5, 7, 1, 1, 1, 1, 3, 4), (6, 6, 0, 0, 0, 0, 8, 16), (7, 4, 1, 1, 0, 2, 11, 19), (3, 3, 2, 2, 2, 2, 2, 1),
        (4, 9, 0, 1, 2, 0, 17, 9),
    ].map { h, w, top, bottom, left, right, channels, out in
        (WindowGeometry(channels: channels, height: h, width: w, kernelHeight: 3, kernelWidth: 3, strideHeight: 1,
                        strideWidth: 1, padTop: top, padBottom: bottom, padLeft: left, padRight: right), out)
    }

    /// Winograd gives the direct convolution's output and the im2col path's gradients
    /// (weight, bias and input), to rounding in Double, at 1 and 2 threads.
    @Test(arguments: 0..<5) func winogradMatchesIm2col(index: Int) {
        let (g, out) = Self.winogradCases[index]
        var randomA = RandomGenerator(seed: 30), randomB = RandomGenerator(seed: 30)
        let winograd = Conv2D<Double>(geometry: g, outChannels: out, initializer: .torch, random: &randomA)
        let im2col = Conv2D<Double>(geometry: g, outChannels: out, initializer: .torch, random: &randomB)
        winograd.algorithm = .winograd
        im2col.algorithm = .im2col
        let n = 3, (x, dy) = Self.randomBatch(g, out: out, n: n, seed: 31)
        for threads in [1, 2] {
            let context = Context(compute: Compute(threads: threads))
            var results: [[Double]] = []
            for conv in [winograd, im2col] {
                conv.weight.gradient.zero()
                conv.bias!.gradient.zero()
                let y = conv.forward(x, context).array
                let dx = conv.backward(dy, context).array
                results.append(contentsOf: [y, dx, conv.weight.gradient.array, conv.bias!.gradient.array])
            }
            #expect(maxRelativeDifference(results[0], Self.naive(x, winograd.weight.value, winograd.bias!.value, g, n: n,
                                                                 out: out)) < 1e-13, "output, \(threads) threads")
            for (part, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                #expect(results[part].count == results[4 + part].count)
                #expect(maxRelativeDifference(results[part], results[4 + part]) < 1e-13, "\(name), \(threads) threads")
            }
        }
        for check in GradientCheck.layer(winograd, input: x) {
            #expect(check.relativeError < 1e-6, "\(check.name): \(check.relativeError)")
        }
    }

    /// Automatically, Winograd is chosen for 3x3 stride-1 windows between 16 or more
    /// channels in batches of 4 or more, and only there; direct loops for stride 1 over
    /// C·kh·kw ≤ 27; im2col for the rest.
    @Test func winogradIsChosenWhereItPays() {
        func resolved(channels: Int = 32, kernel: Int = 3, stride: Int = 1, out: Int = 64, batch: Int = 64)
            -> ConvolutionAlgorithm {
            let g = WindowGeometry(channels: channels, height: 14, width: 14, kernelHeight: kernel, kernelWidth: kernel,
                                   strideHeight: stride, strideWidth: stride, padTop: 1, padBottom: 1, padLeft: 1,
                                   padRight: 1)
            return ConvolutionAlgorithm.automatic.resolved(for: g, outChannels: out, batchSize: batch)
        }
        #expect(resolved() == .winograd)
        #expect(resolved(channels: 16, out: 16, batch: 4) == .winograd)
        #expect(resolved(channels: 1, out: 32) == .direct)
        #expect(resolved(channels: 4, out: 32) == .im2col)
        #expect(resolved(channels: 3, stride: 2, out: 32) == .im2col)
        #expect(resolved(out: 8) == .im2col)
        #expect(resolved(stride: 2) == .im2col)
        #expect(resolved(kernel: 5) == .im2col)
        #expect(resolved(batch: 3) == .im2col)
        let g = Self.winogradCases[1].geometry
        #expect(ConvolutionAlgorithm.im2col.resolved(for: g, outChannels: 64, batchSize: 64) == .im2col)
        #expect(ConvolutionAlgorithm.winograd.resolved(for: g, outChannels: 1, batchSize: 1) == .winograd)
    }

    /// Stride-1 windows for the direct loops: kernels from 1x1 to 5x5, square and not,
    /// with and without (asymmetric) padding, 1 to 3 input channels (C·kh·kw up to 25), output channels
    /// below, at and above a block of 8.
    static let directCases: [(geometry: WindowGeometry, out: Int)] = [
        (28, 28, 3, 3, 1, 1, 1, 1, 1, 8), (7, 5, 5, 5, 2, 2, 2, 2, 1, 11), (6, 9, 2, 3, 1, 0, 2, 0, 2, 5),
        (5, 4, 1, 1, 0, 0, 0, 0, 3, 17), (4, 6, 3, 1, 0, 3, 1, 1, 1, 3),
    ].map { h, w, kh, kw, top, bottom, left, right, channels, out in
        (WindowGeometry(channels: channels, height: h, width: w, kernelHeight: kh, kernelWidth: kw, strideHeight: 1,
                        strideWidth: 1, padTop: top, padBottom: bottom, padLeft: left, padRight: right), out)
    }

    /// The direct loops give the direct convolution's output and the im2col path's
    /// gradients, with and without the input gradient, at 1 and 2 threads.
    @Test(arguments: 0..<5) func directMatchesIm2col(index: Int) {
        let (g, out) = Self.directCases[index]
        #expect(ConvolutionAlgorithm.automatic.resolved(for: g, outChannels: out, batchSize: 64) == .direct)
        let n = 3, (x, dy) = Self.randomBatch(g, out: out, n: n, seed: 40)
        for threads in [1, 2] {
            let context = Context(compute: Compute(threads: threads))
            for firstLayer in [false, true] {
                var randomA = RandomGenerator(seed: 41), randomB = RandomGenerator(seed: 41)
                let direct = Conv2D<Double>(geometry: g, outChannels: out, initializer: .torch, random: &randomA)
                let im2col = Conv2D<Double>(geometry: g, outChannels: out, initializer: .torch, random: &randomB)
                direct.algorithm = .direct
                im2col.algorithm = .im2col
                var results: [[Double]] = []
                for conv in [direct, im2col] {
                    if firstLayer { conv.skipInputGradient() }
                    let y = conv.forward(x, context).array
                    let dx = conv.backward(dy, context).array
                    results.append(contentsOf: [y, firstLayer ? [] : dx, conv.weight.gradient.array,
                                                conv.bias!.gradient.array])
                }
                #expect(maxRelativeDifference(results[0], Self.naive(x, direct.weight.value, direct.bias!.value, g,
                                                                     n: n, out: out)) < 1e-13)
                for (part, name) in ["output", "input gradient", "weight gradient", "bias gradient"].enumerated() {
                    #expect(results[part].count == results[4 + part].count)
                    #expect(maxRelativeDifference(results[part], results[4 + part]) < 1e-13,
                            "\(name), \(threads) threads, first layer \(firstLayer)")
                }
            }
        }
        var random2 = RandomGenerator(seed: 42)
        let conv = Conv2D<Double>(geometry: g, outChannels: out, initializer: .torch, random: &random2)
        conv.algorithm = .direct
        for check in GradientCheck.layer(conv, input: x) {
            #expect(check.relativeError < 1e-6, "\(check.name): \(check.relativeError)")
        }
    }
}

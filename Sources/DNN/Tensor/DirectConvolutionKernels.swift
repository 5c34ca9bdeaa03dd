/// Where a stride-1 convolution's direct loops read: each input channel zero-padded into
/// a plane `paddedWidth` wide, so that output pixel (oy, ox) of every tap (i, j) sits at
/// flat offset `q + i·paddedWidth + j` from q = oy·paddedWidth + ox. Outputs are computed
/// on that wider grid too: the `paddedWidth - OW` extra columns of each row are computed
/// and dropped, so one vector loop runs over the whole plane without row edges.
public struct DirectConvolutionLayout: Sendable, Equatable {
    public let geometry: WindowGeometry
    /// Columns of the padded input plane (and of the wide output grid).
    public let paddedWidth: Int
    /// Output positions on the wide grid, rounded up to whole vectors of `lanes`.
    public let wideOutput: Int
    /// Scalars per padded input plane, with room for the last vector's over-read.
    public let planeStride: Int

    public init(_ geometry: WindowGeometry, lanes: Int) {
        self.geometry = geometry
        paddedWidth = geometry.width + geometry.padLeft + geometry.padRight
        let paddedHeight = geometry.height + geometry.padTop + geometry.padBottom
        wideOutput = (geometry.outputHeight * paddedWidth + lanes - 1) / lanes * lanes
        // The last vector reads up to wideOutput - 1 + (kh - 1)·paddedWidth + kw - 1.
        planeStride = Swift.max(paddedHeight * paddedWidth, wideOutput + (geometry.kernelHeight - 1) * paddedWidth
                                    + geometry.kernelWidth)
    }

    /// Whether the direct loops compute this window: stride 1, and few enough products per
    /// output (C·kh·kw at most 27, a first layer over 1 to 3 channels) that a matrix
    /// product would spend its time loading and storing its output tile rather than in
    /// multiply-adds.
    public static func applies(to g: WindowGeometry) -> Bool {
        g.strideHeight == 1 && g.strideWidth == 1 && g.channels * g.kernelHeight * g.kernelWidth <= 27
    }
}

/// Direct convolution for stride-1 layers with few input channels (the first layer of an
/// image network), vectorised along output pixels; see `DirectConvolutionLayout`.
public protocol DirectConvolutionKernels: KernelScalar {
    /// Copies x [N, C, H, W] into zero-padded planes `padded` [N, C, planeStride].
    static func padPlanes(_ x: UnsafePointer<Self>, n: Int, _ layout: DirectConvolutionLayout,
                          into padded: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// y [N, O, OH, OW] = Σ_{c,i,j} w[o, c, i, j] · x[c, oy + i - padTop, ox + j - padLeft] + bias[o].
    static func directConvolution(_ padded: UnsafePointer<Self>, n: Int, _ layout: DirectConvolutionLayout,
                                  weight: UnsafePointer<Self>, bias: UnsafePointer<Self>?, outChannels: Int,
                                  y: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// dw [O, C, kh, kw] += Σ over samples and output pixels of dy · the input each tap saw;
    /// each output channel is summed by one thread in a fixed order, so the result does
    /// not depend on the thread count. With `roundingDy` (bf16 products; Float only), each
    /// plane of dy is rounded to bfloat16 as it is read.
    static func directWeightGradient(_ padded: UnsafePointer<Self>, dy: UnsafePointer<Self>, n: Int,
                                     _ layout: DirectConvolutionLayout, outChannels: Int,
                                     dw: UnsafeMutablePointer<Self>, roundingDy: Bool, _ compute: Compute)
}

extension DirectConvolutionKernels {
    /// `target[k] = source[k] + offset` for k in 0..<count: whole vectors, then scalars.
    @inline(__always)
    private static func copyRow(_ source: UnsafePointer<Self>, to target: UnsafeMutablePointer<Self>, count: Int,
                                adding offset: Self = 0) {
        let lanes = Vector.scalarCount, shift = Vector(repeating: offset)
        var k = 0
        while k &+ lanes <= count {
            store(load(source + k) + shift, target + k)
            k &+= lanes
        }
        while k < count {
            target[k] = source[k] + offset
            k &+= 1
        }
    }

    public static func padPlanes(_ x: UnsafePointer<Self>, n: Int, _ layout: DirectConvolutionLayout,
                                 into padded: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let g = layout.geometry, width = layout.paddedWidth
        compute.parallelRanges(n * g.channels, grain: 8) { planes in
            for plane in planes {
                let target = padded + plane * layout.planeStride, source = x + plane * g.inputPlane
                target.update(repeating: 0, count: layout.planeStride)
                for row in 0..<g.height {
                    copyRow(source + row * g.width, to: target + (row + g.padTop) * width + g.padLeft, count: g.width)
                }
            }
        }
    }

    public static func directConvolution(_ padded: UnsafePointer<Self>, n: Int, _ layout: DirectConvolutionLayout,
                                         weight: UnsafePointer<Self>, bias: UnsafePointer<Self>?, outChannels: Int,
                                         y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let g = layout.geometry, lanes = Vector.scalarCount, width = layout.paddedWidth
        let kw = g.kernelWidth, taps = g.kernelHeight * kw, channels = g.channels
        let oh = g.outputHeight, ow = g.outputWidth
        let blocks = (outChannels + 7) / 8
        // Per task: 8 output channels on the wide grid.
        compute.parallelRanges(n * blocks, scratch: 8 * layout.wideOutput, as: Self.self) { units, wide in
            for unit in units {
                let sample = unit / blocks, first = (unit % blocks) * 8
                let count = Swift.min(8, outChannels - first)
                // Rows of w for the block's channels; missing channels repeat the first
                // (their results are not stored).
                let w0 = weight + first * channels * taps
                @inline(__always) func row(_ k: Int) -> UnsafePointer<Self> { k < count ? w0 + k * channels * taps : w0 }
                let w1 = row(1), w2 = row(2), w3 = row(3), w4 = row(4), w5 = row(5), w6 = row(6), w7 = row(7)
                var q = 0
                while q < layout.wideOutput {
                    var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                    var a4 = Vector(), a5 = Vector(), a6 = Vector(), a7 = Vector()
                    for c in 0..<channels {
                        let plane = padded + (sample * channels + c) * layout.planeStride + q
                        for i in 0..<g.kernelHeight {
                            for j in 0..<kw {
                                let x = load(plane + i * width + j), t = c * taps + i * kw + j
                                a0.addProduct(Vector(repeating: w0[t]), x)
                                a1.addProduct(Vector(repeating: w1[t]), x)
                                a2.addProduct(Vector(repeating: w2[t]), x)
                                a3.addProduct(Vector(repeating: w3[t]), x)
                                a4.addProduct(Vector(repeating: w4[t]), x)
                                a5.addProduct(Vector(repeating: w5[t]), x)
                                a6.addProduct(Vector(repeating: w6[t]), x)
                                a7.addProduct(Vector(repeating: w7[t]), x)
                            }
                        }
                    }
                    let stride = layout.wideOutput
                    store(a0, wide + q); store(a1, wide + stride + q)
                    store(a2, wide + 2 * stride + q); store(a3, wide + 3 * stride + q)
                    store(a4, wide + 4 * stride + q); store(a5, wide + 5 * stride + q)
                    store(a6, wide + 6 * stride + q); store(a7, wide + 7 * stride + q)
                    q += lanes
                }
                // The valid OW columns of each wide row, plus the bias.
                for k in 0..<count {
                    let b = bias?[first + k] ?? 0
                    let target = y + (sample * outChannels + first + k) * oh * ow
                    let source = wide + k * layout.wideOutput
                    for oy in 0..<oh { copyRow(source + oy * width, to: target + oy * ow, count: ow, adding: b) }
                }
            }
        }
    }

    public static func directWeightGradient(_ padded: UnsafePointer<Self>, dy: UnsafePointer<Self>, n: Int,
                                            _ layout: DirectConvolutionLayout, outChannels: Int,
                                            dw: UnsafeMutablePointer<Self>, roundingDy: Bool, _ compute: Compute) {
        let g = layout.geometry, lanes = Vector.scalarCount, width = layout.paddedWidth
        let kw = g.kernelWidth, taps = g.kernelHeight * kw, channels = g.channels
        let oh = g.outputHeight, ow = g.outputWidth
        // Threads take ranges of output channels; each sums its own dw rows over all samples in order.
        // wideDy: dy of one (sample, channel) on the wide grid, zero in the dropped columns
        // (which no copy below touches).
        // Scratch: the wide dy, then (when rounding) one rounded plane of dy.
        let scratch = layout.wideOutput + (roundingDy ? oh * ow : 0)
        compute.parallelRanges(outChannels, scratch: scratch, as: Self.self) { channelRange, wideDy in
            wideDy.update(repeating: 0, count: layout.wideOutput)
            let roundedPlane = wideDy + layout.wideOutput
            for o in channelRange {
                for c in 0..<channels {
                    let target = dw + (o * channels + c) * taps
                    // Taps in groups of 9 accumulators (a 3x3 kernel in one); a short group
                    // repeats offset 0. Each group sums over every sample before one
                    // horizontal sum per tap.
                    var first = 0
                    while first < taps {
                        let count = Swift.min(9, taps - first)
                        @inline(__always) func offset(_ k: Int) -> Int {
                            k < count ? ((first + k) / kw) * width + (first + k) % kw : 0
                        }
                        let o0 = offset(0), o1 = offset(1), o2 = offset(2), o3 = offset(3), o4 = offset(4)
                        let o5 = offset(5), o6 = offset(6), o7 = offset(7), o8 = offset(8)
                        var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector(), a4 = Vector()
                        var a5 = Vector(), a6 = Vector(), a7 = Vector(), a8 = Vector()
                        for sample in 0..<n {
                            var source = dy + (sample * outChannels + o) * oh * ow
                            if roundingDy {
                                BFloat16GEMM.round(source, into: roundedPlane, count: oh * ow)
                                source = UnsafePointer(roundedPlane)
                            }
                            for oy in 0..<oh { copyRow(source + oy * ow, to: wideDy + oy * width, count: ow) }
                            let plane = padded + (sample * channels + c) * layout.planeStride
                            var q = 0
                            while q < layout.wideOutput {
                                let d = load(wideDy + q), x = plane + q
                                a0.addProduct(d, load(x + o0)); a1.addProduct(d, load(x + o1))
                                a2.addProduct(d, load(x + o2)); a3.addProduct(d, load(x + o3))
                                a4.addProduct(d, load(x + o4)); a5.addProduct(d, load(x + o5))
                                a6.addProduct(d, load(x + o6)); a7.addProduct(d, load(x + o7))
                                a8.addProduct(d, load(x + o8))
                                q += lanes
                            }
                        }
                        @inline(__always) func add(_ k: Int, _ sum: Self) { if k < count { target[first + k] += sum } }
                        add(0, a0.sum()); add(1, a1.sum()); add(2, a2.sum()); add(3, a3.sum()); add(4, a4.sum())
                        add(5, a5.sum()); add(6, a6.sum()); add(7, a7.sum()); add(8, a8.sum())
                        first += 9
                    }
                }
            }
        }
    }
}

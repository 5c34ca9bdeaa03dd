/// Kernels of convolution and pooling on NCHW tensors.
///
/// Convolution is a matrix product over an unfolded input ("im2col"): column matrix
/// `col[C·kh·kw, N·OH·OW]`, where row (c, i, j) holds, for every output position, the
/// input pixel that kernel tap (i, j) of channel c sees (zero in the padding).
public protocol ConvolutionKernels: KernelScalar {
    /// Unfolds x [N, C, H, W] into col [C·kh·kw, N·OH·OW].
    static func im2col(_ x: UnsafePointer<Self>, n: Int, _ g: WindowGeometry, col: UnsafeMutablePointer<Self>,
                       _ compute: Compute)
    /// The adjoint of `im2col`: dx [N, C, H, W] = Σ of every column entry into the pixel it came from.
    static func col2im(_ col: UnsafePointer<Self>, n: Int, _ g: WindowGeometry, dx: UnsafeMutablePointer<Self>,
                       _ compute: Compute)
    /// Swaps the first two axes of a [a, b, inner] array into [b, a, inner].
    static func swapLeadingAxes(_ x: UnsafePointer<Self>, a: Int, b: Int, inner: Int, into y: UnsafeMutablePointer<Self>,
                                _ compute: Compute)
    /// Max pooling of `planes` planes of H x W (geometry with one channel); `argmax`
    /// records the flat index within its plane of each output's chosen input: the
    /// first maximum in row-major window order, as PyTorch.
    static func maxPool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry, y: UnsafeMutablePointer<Self>,
                        argmax: UnsafeMutablePointer<Int32>, _ compute: Compute)
    /// dx (zeroed here) receives each dy at its output's argmax.
    static func maxPoolBackward(_ dy: UnsafePointer<Self>, argmax: UnsafePointer<Int32>, planes: Int, _ g: WindowGeometry,
                                dx: UnsafeMutablePointer<Self>, _ compute: Compute)
    /// Average pooling; padded zeros count in the divisor (`count_include_pad=True`).
    static func averagePool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry, y: UnsafeMutablePointer<Self>,
                            _ compute: Compute)
    /// dx (zeroed here) receives dy / (kh·kw) at every input of each window.
    static func averagePoolBackward(_ dy: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                                    dx: UnsafeMutablePointer<Self>, _ compute: Compute)
}

extension ConvolutionKernels {
    public static func im2col(_ x: UnsafePointer<Self>, n: Int, _ g: WindowGeometry, col: UnsafeMutablePointer<Self>,
                              _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, rowLength = n * oh * ow
        let taps = g.kernelHeight * g.kernelWidth
        compute.parallelRanges(g.channels * taps) { rows in
            for row in rows {
                let c = row / taps, i = (row % taps) / g.kernelWidth, j = row % g.kernelWidth
                let target = col + row * rowLength
                for sample in 0..<n {
                    let plane = x + (sample * g.channels + c) * g.inputPlane
                    let out = target + sample * oh * ow
                    for y in 0..<oh {
                        let ih = y * g.strideHeight - g.padTop + i
                        let outRow = out + y * ow
                        if ih < 0 || ih >= g.height {
                            outRow.update(repeating: 0, count: ow)
                            continue
                        }
                        let inRow = plane + ih * g.width
                        for x in 0..<ow {
                            let iw = x * g.strideWidth - g.padLeft + j
                            outRow[x] = iw >= 0 && iw < g.width ? inRow[iw] : 0
                        }
                    }
                }
            }
        }
    }

    public static func col2im(_ col: UnsafePointer<Self>, n: Int, _ g: WindowGeometry, dx: UnsafeMutablePointer<Self>,
                              _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, rowLength = n * oh * ow
        let taps = g.kernelHeight * g.kernelWidth
        // One task per (sample, channel) plane: each writes only its own plane.
        compute.parallelRanges(n * g.channels) { planes in
            for planeIndex in planes {
                let sample = planeIndex / g.channels, c = planeIndex % g.channels
                let plane = dx + planeIndex * g.inputPlane
                plane.update(repeating: 0, count: g.inputPlane)
                for tap in 0..<taps {
                    let i = tap / g.kernelWidth, j = tap % g.kernelWidth
                    let source = col + (c * taps + tap) * rowLength + sample * oh * ow
                    for y in 0..<oh {
                        let ih = y * g.strideHeight - g.padTop + i
                        if ih < 0 || ih >= g.height { continue }
                        let inRow = plane + ih * g.width
                        let sourceRow = source + y * ow
                        for x in 0..<ow {
                            let iw = x * g.strideWidth - g.padLeft + j
                            if iw >= 0 && iw < g.width { inRow[iw] += sourceRow[x] }
                        }
                    }
                }
            }
        }
    }

    public static func swapLeadingAxes(_ x: UnsafePointer<Self>, a: Int, b: Int, inner: Int,
                                       into y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        compute.parallelRanges(a * b, grain: Swift.max(1, 4096 / Swift.max(inner, 1))) { blocks in
            for block in blocks {
                let i = block / b, j = block % b
                (y + (j * a + i) * inner).update(from: x + block * inner, count: inner)
            }
        }
    }

    public static func maxPool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                               y: UnsafeMutablePointer<Self>, argmax: UnsafeMutablePointer<Int32>,
                               _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth
        compute.parallelRanges(planes) { range in
            for p in range {
                let input = x + p * g.inputPlane
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var best = -Self.infinity, bestIndex = -1
                        for i in 0..<g.kernelHeight {
                            let ih = oy * g.strideHeight - g.padTop + i
                            if ih < 0 || ih >= g.height { continue }
                            for j in 0..<g.kernelWidth {
                                let iw = ox * g.strideWidth - g.padLeft + j
                                if iw < 0 || iw >= g.width { continue }
                                let value = input[ih * g.width + iw]
                                if value > best || value.isNaN || bestIndex < 0 {
                                    best = value
                                    bestIndex = ih * g.width + iw
                                }
                            }
                        }
                        let o = p * oh * ow + oy * ow + ox
                        y[o] = best
                        argmax[o] = Int32(bestIndex)
                    }
                }
            }
        }
    }

    public static func maxPoolBackward(_ dy: UnsafePointer<Self>, argmax: UnsafePointer<Int32>, planes: Int,
                                       _ g: WindowGeometry, dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let outputs = g.outputPlane
        compute.parallelRanges(planes) { range in
            for p in range {
                let plane = dx + p * g.inputPlane
                plane.update(repeating: 0, count: g.inputPlane)
                for o in (p * outputs)..<((p + 1) * outputs) { plane[Int(argmax[o])] += dy[o] }
            }
        }
    }

    public static func averagePool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                                   y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth
        let divisor = Self(g.kernelHeight * g.kernelWidth)
        compute.parallelRanges(planes) { range in
            for p in range {
                let input = x + p * g.inputPlane
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var total: Self = 0
                        for i in 0..<g.kernelHeight {
                            let ih = oy * g.strideHeight - g.padTop + i
                            if ih < 0 || ih >= g.height { continue }
                            for j in 0..<g.kernelWidth {
                                let iw = ox * g.strideWidth - g.padLeft + j
                                if iw >= 0 && iw < g.width { total += input[ih * g.width + iw] }
                            }
                        }
                        y[p * oh * ow + oy * ow + ox] = total / divisor
                    }
                }
            }
        }
    }

    public static func averagePoolBackward(_ dy: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                                           dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth
        let divisor = Self(g.kernelHeight * g.kernelWidth)
        compute.parallelRanges(planes) { range in
            for p in range {
                let plane = dx + p * g.inputPlane
                plane.update(repeating: 0, count: g.inputPlane)
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let share = dy[p * oh * ow + oy * ow + ox] / divisor
                        for i in 0..<g.kernelHeight {
                            let ih = oy * g.strideHeight - g.padTop + i
                            if ih < 0 || ih >= g.height { continue }
                            for j in 0..<g.kernelWidth {
                                let iw = ox * g.strideWidth - g.padLeft + j
                                if iw >= 0 && iw < g.width { plane[ih * g.width + iw] += share }
                            }
                        }
                    }
                }
            }
        }
    }
}

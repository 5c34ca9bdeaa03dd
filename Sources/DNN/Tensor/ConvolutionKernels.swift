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

extension WindowGeometry {
    /// The output columns whose kernel tap `j` falls inside the input (not padding).
    @inline(__always)
    func validColumns(tap j: Int) -> Range<Int> {
        // x·stride - padLeft + j ∈ [0, width)
        let first = Swift.max(0, (padLeft - j + strideWidth - 1) / strideWidth)
        let last = Swift.min(outputWidth, (width - 1 + padLeft - j) / strideWidth + 1)
        return first..<Swift.max(first, last)
    }
}

extension ConvolutionKernels {
    // The loops below compute, per kernel tap, the output columns that read real input
    // once, so the innermost loops carry no bounds checks; stride-1 rows are plain copies.

    public static func im2col(_ x: UnsafePointer<Self>, n: Int, _ g: WindowGeometry, col: UnsafeMutablePointer<Self>,
                              _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, rowLength = n * oh * ow
        let taps = g.kernelHeight * g.kernelWidth
        compute.parallelRanges(g.channels * taps) { rows in
            for row in rows {
                let c = row / taps, i = (row % taps) / g.kernelWidth, j = row % g.kernelWidth
                let valid = g.validColumns(tap: j)
                let offset = j - g.padLeft, stride = g.strideWidth
                let target = col + row * rowLength
                for sample in 0..<n {
                    let plane = x + (sample * g.channels + c) * g.inputPlane
                    let out = target + sample * oh * ow
                    for y in 0..<oh {
                        let ih = y * g.strideHeight - g.padTop + i
                        let outRow = out + y * ow
                        if ih < 0 || ih >= g.height || valid.isEmpty {
                            outRow.update(repeating: 0, count: ow)
                            continue
                        }
                        let inRow = plane + ih * g.width + offset
                        for x in 0..<valid.lowerBound { outRow[x] = 0 }
                        if stride == 1 {
                            // Rows are short (7 to 28 pixels): an inline copy, not a memmove call.
                            var x = valid.lowerBound
                            let lanes = Vector.scalarCount
                            while x + lanes <= valid.upperBound {
                                store(load(inRow + x), outRow + x)
                                x &+= lanes
                            }
                            while x < valid.upperBound {
                                outRow[x] = inRow[x]
                                x &+= 1
                            }
                        } else {
                            var x = valid.lowerBound
                            while x < valid.upperBound {
                                outRow[x] = inRow[x &* stride]
                                x &+= 1
                            }
                        }
                        for x in valid.upperBound..<ow { outRow[x] = 0 }
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
                    let valid = g.validColumns(tap: j)
                    if valid.isEmpty { continue }
                    let offset = j - g.padLeft, stride = g.strideWidth
                    let source = col + (c * taps + tap) * rowLength + sample * oh * ow
                    for y in 0..<oh {
                        let ih = y * g.strideHeight - g.padTop + i
                        if ih < 0 || ih >= g.height { continue }
                        let inRow = plane + ih * g.width + offset
                        let sourceRow = source + y * ow
                        var x = valid.lowerBound
                        if stride == 1 {
                            let lanes = Vector.scalarCount
                            while x + lanes <= valid.upperBound {
                                store(load(inRow + x) + load(sourceRow + x), inRow + x)
                                x &+= lanes
                            }
                            while x < valid.upperBound {
                                inRow[x] += sourceRow[x]
                                x &+= 1
                            }
                        } else {
                            while x < valid.upperBound {
                                inRow[x &* stride] += sourceRow[x]
                                x &+= 1
                            }
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

    /// The input rows and columns of output (oy, ox)'s window that are not padding.
    @inline(__always)
    private static func window(_ g: WindowGeometry, _ oy: Int, _ ox: Int) -> (rows: Range<Int>, columns: Range<Int>) {
        let top = oy * g.strideHeight - g.padTop, left = ox * g.strideWidth - g.padLeft
        return (Swift.max(0, top)..<Swift.min(g.height, top + g.kernelHeight),
                Swift.max(0, left)..<Swift.min(g.width, left + g.kernelWidth))
    }

    public static func maxPool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                               y: UnsafeMutablePointer<Self>, argmax: UnsafeMutablePointer<Int32>,
                               _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, width = g.width
        let unpadded = g.padTop == 0 && g.padLeft == 0
        let twoByTwo = unpadded && g.kernelHeight == 2 && g.kernelWidth == 2 && g.strideHeight == 2 && g.strideWidth == 2
        compute.parallelRanges(planes, grain: Swift.max(1, 2048 / Swift.max(g.inputPlane, 1))) { range in
            for p in range {
                let input = x + p * g.inputPlane
                let output = y + p * oh * ow, indices = argmax + p * oh * ow
                // PyTorch: the first maximum in row-major order wins, and a NaN wins:
                // `value > best || value.isNaN`, as selects rather than branches (pooled
                // values are data-dependent, so branches would mispredict half the time).
                @inline(__always) func consider(_ index: Int, _ best: inout Self, _ bestIndex: inout Int) {
                    let value = input[index]
                    let take = (value > best) || (value != value)
                    best = take ? value : best
                    bestIndex = take ? index : bestIndex
                }
                if twoByTwo {
                    for oy in 0..<oh {
                        let top = (oy &* 2) &* width
                        for ox in 0..<ow {
                            var bestIndex = top &+ ox &* 2
                            var best = input[bestIndex]
                            let start = bestIndex
                            consider(start &+ 1, &best, &bestIndex)
                            consider(start &+ width, &best, &bestIndex)
                            consider(start &+ width &+ 1, &best, &bestIndex)
                            output[oy &* ow &+ ox] = best
                            indices[oy &* ow &+ ox] = Int32(truncatingIfNeeded: bestIndex)
                        }
                    }
                    continue
                }
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let (rows, columns) = window(g, oy, ox)
                        var bestIndex = rows.lowerBound &* width &+ columns.lowerBound
                        var best = input[bestIndex]
                        for ih in rows {
                            let rowStart = ih &* width
                            for iw in columns {
                                consider(rowStart &+ iw, &best, &bestIndex)
                            }
                        }
                        output[oy &* ow &+ ox] = best
                        indices[oy &* ow &+ ox] = Int32(truncatingIfNeeded: bestIndex)
                    }
                }
            }
        }
    }

    public static func maxPoolBackward(_ dy: UnsafePointer<Self>, argmax: UnsafePointer<Int32>, planes: Int,
                                       _ g: WindowGeometry, dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let outputs = g.outputPlane
        compute.parallelRanges(planes, grain: Swift.max(1, 2048 / Swift.max(g.inputPlane, 1))) { range in
            for p in range {
                let plane = dx + p * g.inputPlane
                plane.update(repeating: 0, count: g.inputPlane)
                let gradient = dy + p * outputs, indices = argmax + p * outputs
                for o in 0..<outputs { plane[Int(indices[o])] += gradient[o] }
            }
        }
    }

    public static func averagePool(_ x: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                                   y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, width = g.width
        let divisor = Self(g.kernelHeight * g.kernelWidth)
        compute.parallelRanges(planes, grain: Swift.max(1, 2048 / Swift.max(g.inputPlane, 1))) { range in
            for p in range {
                let input = x + p * g.inputPlane
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let (rows, columns) = window(g, oy, ox)
                        var total: Self = 0
                        for ih in rows {
                            let rowStart = ih &* width
                            for iw in columns { total += input[rowStart &+ iw] }
                        }
                        y[p * oh * ow + oy * ow + ox] = total / divisor
                    }
                }
            }
        }
    }

    public static func averagePoolBackward(_ dy: UnsafePointer<Self>, planes: Int, _ g: WindowGeometry,
                                           dx: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let oh = g.outputHeight, ow = g.outputWidth, width = g.width
        let divisor = Self(g.kernelHeight * g.kernelWidth)
        compute.parallelRanges(planes, grain: Swift.max(1, 2048 / Swift.max(g.inputPlane, 1))) { range in
            for p in range {
                let plane = dx + p * g.inputPlane
                plane.update(repeating: 0, count: g.inputPlane)
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let share = dy[p * oh * ow + oy * ow + ox] / divisor
                        let (rows, columns) = window(g, oy, ox)
                        for ih in rows {
                            let rowStart = ih &* width
                            for iw in columns { plane[rowStart &+ iw] += share }
                        }
                    }
                }
            }
        }
    }
}

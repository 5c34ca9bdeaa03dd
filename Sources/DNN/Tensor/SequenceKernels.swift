/// A 1-d window over [C, T] samples: a `conv1d`'s kernel with its stride, dilation and
/// zero padding.
public struct Window1D: Sendable, Equatable {
    public var channels: Int
    /// T, the positions of the input.
    public var length: Int
    public var kernel: Int
    public var stride: Int
    public var dilation: Int
    public var padBefore: Int
    public var padAfter: Int

    /// The positions the kernel spans, `dilation · (kernel - 1) + 1`.
    public var span: Int { dilation * (kernel - 1) + 1 }
    /// Outputs per channel, floor((T + pads - span) / stride) + 1, as `nn.Conv1d`.
    public var outputLength: Int { (length + padBefore + padAfter - span) / stride + 1 }
    /// Whether the kernel fits in the padded input.
    public var fits: Bool { span <= length + padBefore + padAfter }

    /// The outputs whose tap `j` reads the input rather than padding: those t with
    /// `t·stride + j·dilation - padBefore` in [0, T).
    @inline(__always)
    func validOutputs(tap j: Int) -> Range<Int> {
        let shift = j * dilation - padBefore           // input position of output 0's tap j
        let first = shift >= 0 ? 0 : (-shift + stride - 1) / stride
        let lastInput = length - 1 - shift             // t·stride ≤ lastInput
        let end = lastInput < 0 ? 0 : Swift.min(outputLength, lastInput / stride + 1)
        return first..<Swift.max(first, end)
    }
}

/// The kernels of the sequence layers: the 1-d unfold ("im2col") that turns `conv1d` into
/// one matrix product, its adjoint, and the transpose of the last two dimensions.
public protocol SequenceKernels: KernelScalar {
    /// Unfolds x [N, C, T] into col [C·k, N·OT]: row (c, j) holds, for every output, the
    /// input that tap j of channel c sees (zero in the padding).
    static func unfold1D(_ x: UnsafePointer<Self>, n: Int, _ g: Window1D, col: UnsafeMutablePointer<Self>,
                         _ compute: Compute)
    /// The adjoint of `unfold1D`: dx [N, C, T] = Σ of every column entry into the position it came from.
    static func fold1D(_ col: UnsafePointer<Self>, n: Int, _ g: Window1D, dx: UnsafeMutablePointer<Self>,
                       _ compute: Compute)
    /// y [P, columns, rows] = x [P, rows, columns] with each plane transposed.
    static func transposePlanes(_ x: UnsafePointer<Self>, planes: Int, rows: Int, columns: Int,
                                into y: UnsafeMutablePointer<Self>, _ compute: Compute)
}

extension SequenceKernels {
    public static func unfold1D(_ x: UnsafePointer<Self>, n: Int, _ g: Window1D, col: UnsafeMutablePointer<Self>,
                                _ compute: Compute) {
        let ot = g.outputLength, rowLength = n * ot, stride = g.stride
        compute.parallelRanges(g.channels * g.kernel) { rows in
            for row in rows {
                let c = row / g.kernel, j = row % g.kernel
                let valid = g.validOutputs(tap: j)
                let shift = j * g.dilation - g.padBefore
                for sample in 0..<n {
                    let out = col + row * rowLength + sample * ot
                    let input = x + (sample * g.channels + c) * g.length
                    for t in 0..<valid.lowerBound { out[t] = 0 }
                    var t = valid.lowerBound
                    if stride == 1 {
                        // Inline copy: rows are short, and a memmove call per row costs more.
                        let source = input + (shift + t)
                        let lanes = Vector.scalarCount
                        var i = 0, count = valid.count
                        while i + lanes <= count {
                            store(load(source + i), out + t + i)
                            i &+= lanes
                        }
                        while i < count {
                            out[t + i] = source[i]
                            i &+= 1
                        }
                    } else {
                        while t < valid.upperBound {
                            out[t] = input[t &* stride &+ shift]
                            t &+= 1
                        }
                    }
                    for t in valid.upperBound..<ot { out[t] = 0 }
                }
            }
        }
    }

    public static func fold1D(_ col: UnsafePointer<Self>, n: Int, _ g: Window1D, dx: UnsafeMutablePointer<Self>,
                              _ compute: Compute) {
        let ot = g.outputLength, rowLength = n * ot, stride = g.stride
        // One task per (sample, channel) row of dx: each writes only its own row.
        compute.parallelRanges(n * g.channels) { planes in
            for plane in planes {
                let sample = plane / g.channels, c = plane % g.channels
                let target = dx + plane * g.length
                target.update(repeating: 0, count: g.length)
                for j in 0..<g.kernel {
                    let valid = g.validOutputs(tap: j)
                    let shift = j * g.dilation - g.padBefore
                    let source = col + (c * g.kernel + j) * rowLength + sample * ot
                    var t = valid.lowerBound
                    if stride == 1 {
                        let lanes = Vector.scalarCount
                        while t + lanes <= valid.upperBound {
                            store(load(target + (t + shift)) + load(source + t), target + (t + shift))
                            t &+= lanes
                        }
                    }
                    while t < valid.upperBound {
                        target[t &* stride &+ shift] += source[t]
                        t &+= 1
                    }
                }
            }
        }
    }

    public static func transposePlanes(_ x: UnsafePointer<Self>, planes: Int, rows: Int, columns: Int,
                                       into y: UnsafeMutablePointer<Self>, _ compute: Compute) {
        let size = rows * columns, block = 32
        compute.parallelRanges(planes, grain: Swift.max(1, 4096 / Swift.max(size, 1))) { range in
            for p in range {
                let source = x + p * size, target = y + p * size
                // 32 x 32 tiles, so the strided side stays in cache.
                for r0 in Swift.stride(from: 0, to: rows, by: block) {
                    for c0 in Swift.stride(from: 0, to: columns, by: block) {
                        for r in r0..<Swift.min(rows, r0 + block) {
                            for c in c0..<Swift.min(columns, c0 + block) {
                                target[c &* rows &+ r] = source[r &* columns &+ c]
                            }
                        }
                    }
                }
            }
        }
    }
}

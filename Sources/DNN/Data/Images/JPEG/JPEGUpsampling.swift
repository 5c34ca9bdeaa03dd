/// How one component's samples become a full-size row, as libjpeg-turbo upsamples with
/// `do_fancy_upsampling` on (its default, and Pillow's): jdsample.c's triangular filters
/// for the 2:1 ratios, sample replication for the others.
///
/// The rows above the first and below the last, and the column past the last, repeat the
/// edge samples (jdmainct.c's context rows and jdsample.c's edge cases).
enum JPEGUpsampling: Equatable {
    /// The component has the image's size.
    case fullSize
    /// Twice as wide: 3/4 of the nearer and 1/4 of the further sample (4:2:2).
    case h2v1Fancy
    /// Twice as tall: the same weights between rows (4:4:0).
    case h1v2Fancy
    /// Twice as wide and tall: 9/16, 3/16, 3/16, 1/16 (4:2:0).
    case h2v2Fancy
    /// Each sample repeated `h` times across and `v` times down (4:1:1 and other integral
    /// ratios, and 2:1 components at most 2 samples wide).
    case replicate(h: Int, v: Int)

    /// libjpeg-turbo's choice for `component` in `frame`, or nil when the frame's largest
    /// sampling factors are not whole multiples of the component's (libjpeg refuses those
    /// too: "fractional sampling not implemented").
    static func method(for component: JPEGComponent, in frame: JPEGFrame) -> JPEGUpsampling? {
        guard frame.maxH % component.h == 0, frame.maxV % component.v == 0 else { return nil }
        let h = frame.maxH / component.h, v = frame.maxV / component.v
        switch (h, v) {
        case (1, 1): return .fullSize
        case (2, 1) where component.width > 2: return .h2v1Fancy
        case (1, 2): return .h1v2Fancy
        case (2, 2) where component.width > 2: return .h2v2Fancy
        default: return .replicate(h: h, v: v)
        }
    }

    /// Output row `y` of `component`, whose samples are `plane` (rows `component.planeStride`
    /// apart): a pointer into the plane for a full-size component, else `buffer` filled with
    /// at least `width` samples (`buffer` holds `2 * component.width` or `width`, whichever is larger;
    /// `sums`, `component.width` values, is scratch space).
    func row(_ y: Int, of component: JPEGComponent, plane: UnsafePointer<UInt8>, width: Int,
             buffer: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<Int16>) -> UnsafePointer<UInt8> {
        let stride = component.planeStride
        switch self {
        case .fullSize:
            return plane + y * stride
        case .h2v1Fancy:
            Self.h2v1(plane + y * stride, count: component.width, into: buffer)
        case .h1v2Fancy, .h2v2Fancy:
            let nearer = y >> 1
            let further = y & 1 == 0 ? max(nearer - 1, 0) : min(nearer + 1, component.height - 1)
            let bias = y & 1 == 0 ? 1 : 2
            if self == .h1v2Fancy {
                Self.h1v2(plane + nearer * stride, plane + further * stride, bias: bias, count: component.width,
                          into: buffer)
            } else {
                Self.h2v2(plane + nearer * stride, plane + further * stride, count: component.width, into: buffer,
                          sums: sums)
            }
        case let .replicate(h, v):
            let source = plane + (y / v) * stride
            for x in 0..<width { buffer[x] = source[x / h] }
        }
        return UnsafePointer(buffer)
    }

    /// jdsample.c's `h2v1_fancy_upsample` on one row of `count` (> 2) samples.
    static func h2v1(_ input: UnsafePointer<UInt8>, count: Int, into output: UnsafeMutablePointer<UInt8>) {
        output[0] = input[0]
        output[1] = UInt8((Int(input[0]) * 3 + Int(input[1]) + 2) >> 2)
        for x in 1..<(count - 1) {
            let nearer = Int(input[x]) * 3
            output[2 * x] = UInt8((nearer + Int(input[x - 1]) + 1) >> 2)
            output[2 * x + 1] = UInt8((nearer + Int(input[x + 1]) + 2) >> 2)
        }
        let last = count - 1
        output[2 * last] = UInt8((Int(input[last]) * 3 + Int(input[last - 1]) + 1) >> 2)
        output[2 * last + 1] = input[last]
    }

    /// jdsample.c's `h1v2_fancy_upsample`: one output row between the `nearer` input row
    /// and the `further` one (above: bias 1, below: bias 2).
    static func h1v2(_ nearer: UnsafePointer<UInt8>, _ further: UnsafePointer<UInt8>, bias: Int, count: Int,
                     into output: UnsafeMutablePointer<UInt8>) {
        for x in 0..<count {
            output[x] = UInt8((Int(nearer[x]) * 3 + Int(further[x]) + bias) >> 2)
        }
    }

    /// jdsample.c's `h2v2_fancy_upsample`: column sums 3 * nearer + further, then the
    /// horizontal 3:1 filter with the rounding constants 8 and 7, on `count` (> 2) samples.
    /// The output row holds the sums first (`2 * count` bytes hold `count` 16-bit sums), so
    /// both loops are free of carried values and vectorise.
    static func h2v2(_ nearer: UnsafePointer<UInt8>, _ further: UnsafePointer<UInt8>, count: Int,
                     into output: UnsafeMutablePointer<UInt8>, sums: UnsafeMutablePointer<Int16>) {
        for x in 0..<count { sums[x] = Int16(nearer[x]) &* 3 &+ Int16(further[x]) }
        @inline(__always) func sum(_ x: Int) -> Int32 { Int32(sums[x]) }
        output[0] = UInt8((sum(0) &* 4 &+ 8) &>> 4)
        output[1] = UInt8((sum(0) &* 3 &+ sum(1) &+ 7) &>> 4)
        for x in 1..<(count - 1) {
            let current = sum(x) &* 3
            output[2 * x] = UInt8(truncatingIfNeeded: (current &+ sum(x - 1) &+ 8) &>> 4)
            output[2 * x + 1] = UInt8(truncatingIfNeeded: (current &+ sum(x + 1) &+ 7) &>> 4)
        }
        let last = count - 1
        output[2 * last] = UInt8((sum(last) &* 3 &+ sum(last - 1) &+ 8) &>> 4)
        output[2 * last + 1] = UInt8((sum(last) &* 4 &+ 7) &>> 4)
    }
}

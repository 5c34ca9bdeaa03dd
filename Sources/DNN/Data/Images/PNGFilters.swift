/// PNG's five row filters undone in place: each row of a pass is a filter-type byte and
/// `rowBytes` filtered bytes, which become the raw bytes the row predicted from the row
/// above (already unfiltered) and the byte `stride` to the left.
enum PNGFilters {
    /// Unfilters the `rows` rows that start at `data`, each `1 + rowBytes` long.
    ///
    /// - Parameter row: names a row in the error: (pass, first row) for interlaced images.
    /// - Throws: `DNNError.data(file, ...)` for a filter type above 4, naming the row.
    static func unfilter(_ data: UnsafeMutablePointer<UInt8>, rows: Int, rowBytes: Int, stride: Int,
                         file: String, rowName: (Int) -> String) throws {
        var previous: UnsafeMutablePointer<UInt8>? = nil
        for y in 0..<rows {
            let line = data + y * (1 + rowBytes)
            let current = line + 1
            switch line[0] {
            case 0: break
            case 1: sub(current, count: rowBytes, stride: stride)
            case 2: if let previous { up(current, above: previous, count: rowBytes) }
            case 3: average(current, above: previous, count: rowBytes, stride: stride)
            case 4: paeth(current, above: previous, count: rowBytes, stride: stride)
            default:
                throw DNNError.data(file, "bad filter type \(line[0]) at \(rowName(y)) (the file is damaged)")
            }
            previous = current
        }
    }

    private static func sub(_ x: UnsafeMutablePointer<UInt8>, count: Int, stride: Int) {
        guard count > stride else { return }
        for i in stride..<count { x[i] &+= x[i - stride] }
    }

    private static func up(_ x: UnsafeMutablePointer<UInt8>, above: UnsafeMutablePointer<UInt8>, count: Int) {
        for i in 0..<count { x[i] &+= above[i] }
    }

    private static func average(_ x: UnsafeMutablePointer<UInt8>, above: UnsafeMutablePointer<UInt8>?, count: Int,
                                stride: Int) {
        let first = min(stride, count)
        guard let above else {
            if count > stride { for i in stride..<count { x[i] &+= x[i - stride] >> 1 } }
            return
        }
        for i in 0..<first { x[i] &+= above[i] >> 1 }
        guard count > stride else { return }
        for i in stride..<count {
            x[i] &+= UInt8((UInt16(x[i - stride]) + UInt16(above[i])) >> 1)
        }
    }

    /// Paeth: the neighbour (left a, above b, upper-left c) nearest to a + b - c, ties
    /// going to a, then b.
    private static func paeth(_ x: UnsafeMutablePointer<UInt8>, above: UnsafeMutablePointer<UInt8>?, count: Int,
                              stride: Int) {
        let first = min(stride, count)
        guard let above else {
            // With no row above, b = c = 0 and the predictor is always a: Sub.
            sub(x, count: count, stride: stride)
            return
        }
        for i in 0..<first { x[i] &+= above[i] }
        guard count > stride else { return }
        for i in stride..<count {
            let a = Int(x[i - stride]), b = Int(above[i]), c = Int(above[i - stride])
            let pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c)
            let predictor = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
            x[i] &+= UInt8(truncatingIfNeeded: predictor)
        }
    }
}

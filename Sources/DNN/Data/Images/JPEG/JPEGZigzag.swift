/// The zigzag order in which JPEG codes the 64 coefficients of a block.
enum JPEGZigzag {
    /// `natural[k]` is the row-major position of the k-th coefficient in zigzag order,
    /// followed by 16 entries of 63 (libjpeg's `jpeg_natural_order`): a corrupt run that
    /// steps past the end of a block lands on the last coefficient instead of outside it.
    static let natural: [Int] = order

    /// `natural` as bytes at a fixed address, for the entropy decoders' inner loops.
    nonisolated(unsafe) static let naturalBytes: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: order.count)
        for (index, position) in order.enumerated() { table[index] = UInt8(position) }
        return UnsafePointer(table)
    }()

    private static let order: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ] + [Int](repeating: 63, count: 16)
}

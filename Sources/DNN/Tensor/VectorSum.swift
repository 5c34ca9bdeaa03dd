/// The sum of a vector's lanes, as a tree: the high half added to the low half until
/// two lanes are left.
///
/// The stdlib's `sum()` adds the lanes one after another, in order, so that its result
/// does not depend on the vector width: 15 dependent additions for `SIMD16<Float>`, about
/// 60 cycles, which a softmax or a dot product over 64 columns pays once per row (a
/// third of the attention softmax's time). The tree takes four additions in a row. The
/// total may differ from the ordered one in the last bits, as any other order would.
extension Float {
    @inline(__always) public static func laneTotal(_ v: SIMD16<Float>) -> Float {
        let eight = v.lowHalf + v.highHalf
        let four = eight.lowHalf + eight.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

extension Double {
    @inline(__always) public static func laneTotal(_ v: SIMD8<Double>) -> Double {
        let four = v.lowHalf + v.highHalf
        let two = four.lowHalf + four.highHalf
        return two[0] + two[1]
    }
}

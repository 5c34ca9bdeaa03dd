/// Lane-wise selections, written for each concrete vector type.
///
/// SIMD masks (`.<`, `replacing(with:where:)`) lower to fast compare-and-blend code for a
/// concrete type like `SIMD16<Float>`, but to slow per-lane code inside a generic kernel,
/// even a specialised one (15x slower, measured). So the kernels call these requirements,
/// which are concrete.
extension Float {
    /// max(v, 0) per lane (NaN stays NaN).
    @inline(__always) public static func positivePart(_ v: SIMD16<Float>) -> SIMD16<Float> {
        v.replacing(with: 0, where: v .< 0)
    }

    /// g where y > 0, else 0: the gradient through a ReLU whose output is y.
    @inline(__always) public static func keep(_ g: SIMD16<Float>, wherePositive y: SIMD16<Float>) -> SIMD16<Float> {
        g.replacing(with: 0, where: y .<= 0)
    }

    /// max(a, b) per lane (b where a < b: a NaN in a stays, one in b does not).
    @inline(__always) public static func lanewiseMaximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: b, where: a .< b)
    }

    /// The largest lane of v, which holds no NaN: halves against each other, three times
    /// (the stdlib's `max()` tests every lane for NaN, with a branch and a stack store
    /// each, and its `pointwiseMax` is a call).
    @inline(__always) public static func largestLane(_ v: SIMD16<Float>) -> Float {
        let (a8, b8) = (v.lowHalf, v.highHalf)
        let eight = a8.replacing(with: b8, where: a8 .< b8)
        let (a4, b4) = (eight.lowHalf, eight.highHalf)
        let four = a4.replacing(with: b4, where: a4 .< b4)
        let (a2, b2) = (four.lowHalf, four.highHalf)
        let two = a2.replacing(with: b2, where: a2 .< b2)
        return two[0] < two[1] ? two[1] : two[0]
    }
    /// v's first `count` lanes, `fill` in the others: the last, part-used vector of a row.
    @inline(__always) public static func firstLanes(_ v: SIMD16<Float>, _ count: Int,
                                                    otherwise fill: Float) -> SIMD16<Float> {
        // The lane numbers as Floats: an integer comparison here compiled to a loop over lanes.
        let index = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        return v.replacing(with: fill, where: index .>= Float(count))
    }

    @inline(__always) public static func lanesFrom(_ v: SIMD16<Float>, _ first: Int,
                                                   otherwise fill: Float) -> SIMD16<Float> {
        let index = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        return v.replacing(with: fill, where: index .< Float(first))
    }
}

extension Double {
    @inline(__always) public static func positivePart(_ v: SIMD8<Double>) -> SIMD8<Double> {
        v.replacing(with: 0, where: v .< 0)
    }

    @inline(__always) public static func keep(_ g: SIMD8<Double>, wherePositive y: SIMD8<Double>) -> SIMD8<Double> {
        g.replacing(with: 0, where: y .<= 0)
    }

    @inline(__always) public static func lanewiseMaximum(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
        a.replacing(with: b, where: a .< b)
    }

    @inline(__always) public static func largestLane(_ v: SIMD8<Double>) -> Double {
        let (a4, b4) = (v.lowHalf, v.highHalf)
        let four = a4.replacing(with: b4, where: a4 .< b4)
        let (a2, b2) = (four.lowHalf, four.highHalf)
        let two = a2.replacing(with: b2, where: a2 .< b2)
        return two[0] < two[1] ? two[1] : two[0]
    }

    @inline(__always) public static func firstLanes(_ v: SIMD8<Double>, _ count: Int,
                                                    otherwise fill: Double) -> SIMD8<Double> {
        let index = SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7)
        return v.replacing(with: fill, where: index .>= Double(count))
    }

    @inline(__always) public static func lanesFrom(_ v: SIMD8<Double>, _ first: Int,
                                                   otherwise fill: Double) -> SIMD8<Double> {
        let index = SIMD8<Double>(0, 1, 2, 3, 4, 5, 6, 7)
        return v.replacing(with: fill, where: index .< Double(first))
    }
}

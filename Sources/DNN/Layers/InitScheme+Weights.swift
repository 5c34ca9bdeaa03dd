/// How `init` draws a linear or convolution layer's starting weights and biases.
///
/// Values are drawn in Double from the network's generator and then converted, so a
/// Float network and a Double network built from the same seed start identical.
/// - `he`: N(0, 2 / fan_in) (Kaiming normal, for ReLU networks); biases zero.
/// - `xavier`: N(0, 2 / (fan_in + fan_out)) (Glorot normal); biases zero.
/// - `normal`: N(0, weight_scale²), the course Solver's init; biases zero.
/// - `torch`: PyTorch's default, kaiming_uniform(a=√5): weights and biases both
///   U(-1/√fan_in, 1/√fan_in).
/// fan_in = in·kh·kw and fan_out = out·kh·kw (kh = kw = 1 for linear).
extension InitScheme {
    /// fan_in and fan_out of a layer's weight.
    public struct Fans: Sendable {
        public var fanIn: Int
        public var fanOut: Int
        public init(fanIn: Int, fanOut: Int) {
            self.fanIn = fanIn
            self.fanOut = fanOut
        }
    }

    /// Initial weights of `shape`.
    public func weights<T: Scalar>(shape: [Int], fans: Fans, random: inout RandomGenerator) -> Tensor<T> {
        let count = shape.reduce(1, *)
        let values: [Double]
        switch self {
        case .he:
            let std = (2.0 / Double(fans.fanIn)).squareRoot()
            values = (0..<count).map { _ in random.normal() * std }
        case .xavier:
            let std = (2.0 / Double(fans.fanIn + fans.fanOut)).squareRoot()
            values = (0..<count).map { _ in random.normal() * std }
        case .normal(let std):
            values = (0..<count).map { _ in random.normal() * std }
        case .torch:
            values = Self.uniform(count: count, bound: 1 / Double(fans.fanIn).squareRoot(), random: &random)
        }
        return Tensor(shape: shape, values: values.map { T($0) })
    }

    /// Initial biases: zero, except PyTorch's U(-1/√fan_in, 1/√fan_in) under `torch`.
    public func biases<T: Scalar>(count: Int, fans: Fans, random: inout RandomGenerator) -> Tensor<T> {
        guard self == .torch else { return Tensor(shape: [count]) }
        let values = Self.uniform(count: count, bound: 1 / Double(fans.fanIn).squareRoot(), random: &random)
        return Tensor(shape: [count], values: values.map { T($0) })
    }

    static func uniform(count: Int, bound: Double, random: inout RandomGenerator) -> [Double] {
        (0..<count).map { _ in (2 * random.uniform() - 1) * bound }
    }
}

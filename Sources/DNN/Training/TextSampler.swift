import Foundation

/// Draws bytes from a byte-level language model (`dnn sample`): each step runs the
/// network on the latest T bytes (the model's context) and samples the next byte from the
/// softmax of the last position's logits, divided by `temperature` and cut to the
/// `topK` most likely bytes.
///
/// A window shorter than T sits at the start of the input with zeros after it; with causal
/// attention no position sees later ones, so the padding does not change its logits.
public struct TextSampler {
    public let network: Sequential<Float>
    /// The model's context T.
    public let context: Int
    public var temperature: Double = 1
    /// The number of most likely bytes kept; nil keeps all 256.
    public var topK: Int?

    /// The byte a generation starts from when the prompt is empty: a newline, the start
    /// of a line.
    public static let startByte: UInt8 = 10

    public init(network: Sequential<Float>, context: Int) {
        self.network = network
        self.context = context
    }

    /// `count` bytes drawn after `prompt`, from the generator seeded with `seed`.
    public func generate(after prompt: [UInt8], count: Int, seed: UInt64, compute: Compute) -> [UInt8] {
        var random = RandomGenerator(seed: seed)
        var text = prompt.isEmpty ? [Self.startByte] : prompt
        let start = text.count
        let evaluation = Context(mode: .evaluation, compute: compute)
        let input = Tensor<Float>(shape: [1, context])
        var scores = [Double](repeating: 0, count: TextWindows.vocabulary)
        for _ in 0..<count {
            let window = text.suffix(context)
            input.zero()
            for (position, byte) in window.enumerated() { input[position] = Float(byte) }
            let logits = network.forward(input, evaluation)
            let last = logits.data + (window.count - 1) * TextWindows.vocabulary
            for byte in 0..<scores.count { scores[byte] = Double(last[byte]) / temperature }
            text.append(draw(from: scores, random: &random))
        }
        return Array(text[start...])
    }

    /// A byte from softmax(scores) over the `topK` highest scores.
    func draw(from scores: [Double], random: inout RandomGenerator) -> UInt8 {
        var order = Array(scores.indices)
        if let topK, topK < scores.count {
            order.sort { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            order.removeSubrange(topK...)
        }
        let largest = order.map { scores[$0] }.max() ?? 0
        let weights = order.map { Foundation.exp(scores[$0] - largest) }
        var threshold = random.uniform() * weights.reduce(0, +)
        for (index, weight) in zip(order, weights) {
            threshold -= weight
            if threshold < 0 { return UInt8(index) }
        }
        return UInt8(order.last ?? 0)
    }
}

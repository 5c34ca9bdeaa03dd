/// Swaps the last two dimensions of every sample, `x.transpose(-1, -2)`: [C, T] to
/// [T, C] (between `conv1d` layers and the [T, F] layers), [C, H, W] to [C, W, H].
///
/// Forward writes each [A, B] plane as [B, A]; backward transposes dy back the same way.
public final class Transpose<T: Scalar>: Layer {
    public let inputShape: [Int]
    public let outputShape: [Int]
    /// A copy: no arithmetic.
    public var forwardFLOPs: Int { 0 }

    private let output = Tensor<T>(shape: [0])
    private let inputGradient = Tensor<T>(shape: [0])
    /// Planes per sample (C for [C, H, W], 1 for [A, B]), rows and columns of each input plane.
    private let planes: Int, rows: Int, columns: Int

    public init(inputShape: [Int]) {
        precondition(inputShape.count >= 2, "transpose needs two dimensions")
        self.inputShape = inputShape
        var swapped = inputShape
        swapped.swapAt(inputShape.count - 1, inputShape.count - 2)
        outputShape = swapped
        rows = inputShape[inputShape.count - 2]
        columns = inputShape[inputShape.count - 1]
        planes = inputShape.dropLast(2).reduce(1, *)
    }

    public func forward(_ x: Tensor<T>, _ context: Context) -> Tensor<T> {
        output.reshape(to: [x.batchSize] + outputShape)
        T.transposePlanes(x.data, planes: x.batchSize * planes, rows: rows, columns: columns, into: output.data,
                          context.compute)
        return output
    }

    public func backward(_ dy: Tensor<T>, _ context: Context) -> Tensor<T> {
        inputGradient.reshape(to: [dy.batchSize] + inputShape)
        T.transposePlanes(dy.data, planes: dy.batchSize * planes, rows: columns, columns: rows,
                          into: inputGradient.data, context.compute)
        return inputGradient
    }
}

/// The ONNX operators of the layers of [C, T] samples. ONNX's Conv, MaxPool and
/// AveragePool take any number of spatial axes, so a 1-d layer is the same operator with
/// one-element `kernel_shape`, `strides` and `dilations` and `pads` [before, after].
extension ONNXLowering {
    mutating func sequenceLayer(_ spec: LayerSpec, input x: String, inputShape: [Int], scope: String) -> String {
        switch spec {
        case .conv1d(let conv):
            // PyTorch's "same" split (the odd position after) as explicit pads.
            let pads = conv.pads
            let inputs = [x, tensor(scope, "weight")] + (conv.bias ? [tensor(scope, "bias")] : [])
            return graph.node("Conv", inputs, [Attribute(name: "kernel_shape", value: .ints([conv.kernel])),
                                               Attribute(name: "strides", value: .ints([conv.stride])),
                                               Attribute(name: "pads", value: .ints([pads.before, pads.after])),
                                               Attribute(name: "dilations", value: .ints([conv.dilation]))],
                              scope: scope)
        case .maxpool1d(let pool), .avgpool1d(let pool):
            // Floor mode; the average counts padded zeros, as `dnn` and PyTorch's default.
            var attributes = [Attribute(name: "kernel_shape", value: .ints([pool.kernel])),
                              Attribute(name: "strides", value: .ints([pool.stride])),
                              Attribute(name: "pads", value: .ints([pool.padding, pool.padding])),
                              Attribute(name: "ceil_mode", value: .int(0))]
            if case .maxpool1d = spec { return graph.node("MaxPool", [x], attributes, scope: scope) }
            attributes.append(Attribute(name: "count_include_pad", value: .int(1)))
            return graph.node("AveragePool", [x], attributes, scope: scope)
        case .globalAvgPool, .globalMaxPool:
            // [N, C, T] or [N, C, H, W] to [N, C, 1(, 1)], then [N, C].
            let pooled = graph.node(spec == .globalAvgPool ? "GlobalAveragePool" : "GlobalMaxPool", [x], scope: scope)
            return graph.node("Flatten", [pooled], [Attribute(name: "axis", value: .int(1))], scope: scope)
        case .transpose:
            // The batch axis stays first; the sample's last two axes swap.
            var permutation = Array(0...inputShape.count)
            permutation.swapAt(inputShape.count, inputShape.count - 1)
            return graph.node("Transpose", [x], [Attribute(name: "perm", value: .ints(permutation))], scope: scope)
        default:
            preconditionFailure("\(spec.typeName) is not a sequence layer")
        }
    }
}

/// Lowers a trained network, layer by layer, to ONNX operators in inference form: batchnorm
/// with its running statistics, dropout removed. Each case states the operator and why it
/// equals the `dnn` layer (and so PyTorch's module); docs/onnx.md's table lists them.
///
/// Weights become initializers under their `state_dict` names (`0.weight`, `4.body.1.running_var`).
struct ONNXLowering {
    typealias Attribute = ONNXProto.Attribute

    var graph: ONNXGraphBuilder
    /// Every tensor of the network by `state_dict` name, with its values as trained.
    let state: [String: Tensor<Float>]

    init(network: Sequential<Float>, opset: Int, input: String) {
        graph = ONNXGraphBuilder(opset: opset, reserved: [input])
        var state: [String: Tensor<Float>] = [:]
        for (name, entry) in network.state {
            switch entry {
            case .parameter(let parameter): state[name] = parameter.value
            case .buffer(let tensor): state[name] = tensor
            case .counter: break  // num_batches_tracked: training bookkeeping, not inference
            }
        }
        self.state = state
    }

    /// The layers of `specs` (built as `network`) applied to `x` in order; returns the last
    /// value's name.
    /// - Parameter prefix: "" for the network, "4.body." inside a residual block.
    mutating func sequence(_ specs: [LayerSpec], _ network: Sequential<Float>, input x: String,
                           prefix: String) -> String {
        sequence(specs, network.layers, inputShape: network.inputShape, input: x, prefix: prefix)
    }

    /// The layers of `specs`, built as `layers` over samples of `inputShape`, applied to `x`.
    private mutating func sequence(_ specs: [LayerSpec], _ layers: [any Layer<Float>], inputShape: [Int],
                                   input x: String, prefix: String) -> String {
        var value = x
        var shape = inputShape
        for (index, (spec, layer)) in zip(specs, layers).enumerated() {
            value = self.layer(spec, layer, input: value, inputShape: shape, scope: "\(prefix)\(index)")
            shape = layer.outputShape
        }
        return value
    }

    /// One layer. `inputShape` is per sample ([D] or [C, H, W]); ONNX values carry the batch first.
    private mutating func layer(_ spec: LayerSpec, _ layer: any Layer<Float>, input x: String, inputShape: [Int],
                                scope: String) -> String {
        switch spec {
        case .linear(_, let bias, _) where inputShape.count == 2:
            return positionwiseLinear(x, bias: bias, scope: scope)
        case .linear(_, let bias, _):
            // y = x·Wᵀ + b: Gemm with transB, W kept as PyTorch's [out, in].
            let inputs = [x, tensor(scope, "weight")] + (bias ? [tensor(scope, "bias")] : [])
            return graph.node("Gemm", inputs, [Attribute(name: "transB", value: .int(1))], scope: scope)
        case .conv2d(let conv):
            let inputs = [x, tensor(scope, "weight")] + (conv.bias ? [tensor(scope, "bias")] : [])
            return graph.node("Conv", inputs, windowAttributes(conv.window(over: inputShape)), scope: scope)
        case .maxpool2d(let pool):
            return graph.node("MaxPool", [x], poolAttributes(pool.window(over: inputShape)), scope: scope)
        case .avgpool2d(let pool):
            // Padded zeros count in the mean (count_include_pad 1), as in `dnn` and PyTorch's default.
            let attributes = poolAttributes(pool.window(over: inputShape)) + [Attribute(name: "count_include_pad", value: .int(1))]
            return graph.node("AveragePool", [x], attributes, scope: scope)
        case .flatten:
            return graph.node("Flatten", [x], [Attribute(name: "axis", value: .int(1))], scope: scope)
        case .activation(let function):
            return activation(function, x, scope: scope)
        case .dropout, .dropout2d:
            return x  // the identity in evaluation
        case .batchnorm(_, let eps):
            // Evaluation form: (x - running_mean) / √(running_var + eps) · w + b, per feature or channel.
            let inputs = [x] + ["weight", "bias", "running_mean", "running_var"].map { tensor(scope, $0) }
            return graph.node("BatchNormalization", inputs, [Attribute(name: "epsilon", value: .float(Float(eps)))],
                              scope: scope)
        case .layernorm(let eps):
            return layerNorm(x, inputShape: inputShape, eps: eps, scope: scope)
        case .instancenorm(let eps):
            return graph.node("InstanceNormalization", [x, tensor(scope, "weight"), tensor(scope, "bias")],
                              [Attribute(name: "epsilon", value: .float(Float(eps)))], scope: scope)
        case .rmsnorm(let eps):
            return rmsNorm(x, axes: inputShape.count == 2 ? [2] : Array(1...inputShape.count), eps: eps, scope: scope)
        case let .residual(bodySpecs, shortcutSpecs):
            // A residual block's sublayers are its body and its shortcut, each a Sequential.
            let parts = layer.sublayers
            let body = sequence(bodySpecs, parts[0].sublayers, inputShape: inputShape, input: x,
                                prefix: "\(scope).body.")
            let shortcut = sequence(shortcutSpecs, parts[1].sublayers, inputShape: inputShape, input: x,
                                    prefix: "\(scope).shortcut.")
            return graph.node("Add", [body, shortcut], scope: scope)
        case .conv1d, .maxpool1d, .avgpool1d, .globalAvgPool, .globalMaxPool, .transpose:
            return sequenceLayer(spec, input: x, inputShape: inputShape, scope: scope)
        case .embedding, .positionalEmbedding, .attention:
            return tokenLayer(spec, input: x, inputShape: inputShape, scope: scope)
        case .recurrent(let recurrent):
            return self.recurrent(recurrent, input: x, inputShape: inputShape, scope: scope)
        }
    }

    /// `lstm` / `gru` as ONNX `LSTM` / `GRU` nodes, one per stacked layer, in ONNX's
    /// time-major layout (X [T, N, I], Y [T, D, N, H], Y_h [D, N, H]) between Transposes.
    /// Gate blocks go from PyTorch's order (LSTM i f g o, GRU r z n) to ONNX's (i o f c,
    /// z r h); PyTorch's GRU multiplies r into the hidden product after its bias, which is
    /// `linear_before_reset=1`. The last state is Y_h, forward direction first.
    private mutating func recurrent(_ spec: RecurrentSpec, input x: String, inputShape: [Int],
                                    scope: String) -> String {
        let order = spec.cell == .lstm ? [0, 3, 1, 2] : [1, 0, 2]
        let (h, width) = (spec.hidden, spec.directions * spec.hidden)
        var attributes = [Attribute(name: "hidden_size", value: .int(h)),
                          Attribute(name: "direction", value: .string(spec.bidirectional ? "bidirectional" : "forward"))]
        if spec.cell == .gru { attributes.append(Attribute(name: "linear_before_reset", value: .int(1))) }
        var sequence = graph.transpose(x, [1, 0, 2], scope: scope)
        var finalStates = sequence
        for layer in 0..<spec.layers {
            let suffixes = (0..<spec.directions).map { "_l\(layer)" + ($0 == 1 ? "_reverse" : "") }
            // Blocks of H rows of a [G·H, K] tensor, reordered; the directions stacked.
            func stacked(_ roles: [String]) -> [Float] {
                suffixes.flatMap { suffix in
                    roles.flatMap { role -> [Float] in
                        let values = state["\(scope).\(role)\(suffix)"]!.array, block = values.count / order.count
                        return order.flatMap { values[($0 * block)..<(($0 + 1) * block)] }
                    }
                }
            }
            let gateUnits = order.count * h, inputs = layer == 0 ? inputShape[1] : width
            let w = graph.constant("\(scope).W_l\(layer)", dims: [spec.directions, gateUnits, inputs], stacked(["weight_ih"]))
            let r = graph.constant("\(scope).R_l\(layer)", dims: [spec.directions, gateUnits, h], stacked(["weight_hh"]))
            let b = graph.constant("\(scope).B_l\(layer)", dims: [spec.directions, 2 * gateUnits],
                                   stacked(["bias_ih", "bias_hh"]))
            let outputs = graph.node(spec.cell == .lstm ? "LSTM" : "GRU", [sequence, w, r, b], attributes, outputs: 2,
                                     scope: scope)
            // [T, D, N, H] to [T, N, D·H]: the next layer's input.
            sequence = graph.reshape(graph.transpose(outputs[0], [0, 2, 1, 3], scope: scope), [0, 0, -1], scope: scope)
            finalStates = outputs[1]
        }
        if spec.returnsSequence { return graph.transpose(sequence, [1, 0, 2], scope: scope) }
        return graph.reshape(graph.transpose(finalStates, [1, 0, 2], scope: scope), [0, -1], scope: scope)
    }

    /// A pointwise activation as its ONNX operator (or arithmetic, where the opset has none).
    private mutating func activation(_ function: Activation, _ x: String, scope: String) -> String {
        switch function {
        case .relu: graph.node("Relu", [x], scope: scope)
        case .sigmoid: graph.node("Sigmoid", [x], scope: scope)
        case .tanh: graph.node("Tanh", [x], scope: scope)
        case .gelu: gelu(x, scope: scope)
        case .silu: silu(x, scope: scope)
        case .leakyReLU(let slope):
            graph.node("LeakyRelu", [x], [Attribute(name: "alpha", value: .float(Float(slope)))], scope: scope)
        }
    }

    /// x·sigmoid(x), the `silu` activation (`nn.SiLU`).
    mutating func silu(_ x: String, scope: String) -> String {
        let gate = graph.node("Sigmoid", [x], scope: scope)
        return graph.node("Mul", [x, gate], scope: scope)
    }

    /// The exact GELU, x·(1 + erf(x/√2))/2: the `Gelu` operator from opset 20, before it the
    /// same arithmetic as `dnn`'s kernel, `x · (1 + erf(x · (1/√2))) / 2`.
    private mutating func gelu(_ x: String, scope: String) -> String {
        if graph.opset >= 20 {
            return graph.node("Gelu", [x], [Attribute(name: "approximate", value: .string("none"))], scope: scope)
        }
        let invSqrt2 = graph.scalar(Float(0.5).squareRoot(), scope: scope, role: "inv_sqrt2")
        let one = graph.scalar(1, scope: scope, role: "one")
        let two = graph.scalar(2, scope: scope, role: "two")
        let erf = graph.node("Erf", [graph.node("Mul", [x, invSqrt2], scope: scope)], scope: scope)
        let cdf = graph.node("Add", [erf, one], scope: scope)
        return graph.node("Div", [graph.node("Mul", [x, cdf], scope: scope), two], scope: scope)
    }

    /// The window of MaxPool / AveragePool, in floor mode (ceil_mode 0) as `dnn` and PyTorch.
    private func poolAttributes(_ window: WindowGeometry) -> [Attribute] {
        windowAttributes(window) + [Attribute(name: "ceil_mode", value: .int(0))]
    }

    /// kernel_shape, strides and pads [top, left, bottom, right] of a window; explicit pads
    /// carry "same" with an even kernel, whose odd pixel goes after (bottom, right) as in PyTorch.
    private func windowAttributes(_ g: WindowGeometry) -> [Attribute] {
        [Attribute(name: "kernel_shape", value: .ints([g.kernelHeight, g.kernelWidth])),
         Attribute(name: "strides", value: .ints([g.strideHeight, g.strideWidth])),
         Attribute(name: "pads", value: .ints([g.padTop, g.padLeft, g.padBottom, g.padRight]))]
    }

    /// LayerNormalization over every non-batch axis (axis 1). On [N, D] the affine is per
    /// feature, as `nn.LayerNorm(D)`. On [N, C, H, W] it is per channel (`nn.GroupNorm(1, C)`):
    /// the [C] weight and bias are repeated over H·W into [C, H, W] initializers, which
    /// LayerNormalization takes without broadcasting.
    private mutating func layerNorm(_ x: String, inputShape: [Int], eps: Double, scope: String) -> String {
        let scale: String, bias: String
        if inputShape.count == 3 {
            let plane = inputShape[1] * inputShape[2]
            func perElement(_ role: String) -> String {
                let values = state["\(scope).\(role)"]!.array.flatMap { Array(repeating: $0, count: plane) }
                return graph.constant("\(scope).\(role).per_element", dims: inputShape, values)
            }
            (scale, bias) = (perElement("weight"), perElement("bias"))
        } else {
            (scale, bias) = (tensor(scope, "weight"), tensor(scope, "bias"))
        }
        // On a sequence [N, T, F], over the last axis at every position.
        return graph.node("LayerNormalization", [x, scale, bias],
                          [Attribute(name: "axis", value: .int(inputShape.count == 2 ? -1 : 1)),
                           Attribute(name: "epsilon", value: .float(Float(eps)))],
                          scope: scope)
    }

    /// RMSNorm as its arithmetic, `x / √(mean(x²) + eps) · w` over every non-batch axis with
    /// the elementwise weight (ONNX has no RMSNormalization before opset 23).
    private mutating func rmsNorm(_ x: String, axes: [Int], eps: Double, scope: String) -> String {
        let square = graph.node("Mul", [x, x], scope: scope)
        let meanSquare = graph.reduceMean(square, axes: axes, scope: scope)
        let shifted = graph.node("Add", [meanSquare, graph.scalar(Float(eps), scope: scope, role: "eps")], scope: scope)
        let rms = graph.node("Sqrt", [shifted], scope: scope)
        let normalized = graph.node("Div", [x, rms], scope: scope)
        return graph.node("Mul", [normalized, tensor(scope, "weight")], scope: scope)
    }

    /// The checkpoint tensor `scope.role` as an initializer under its `state_dict` name
    /// (each is read by exactly one node).
    mutating func tensor(_ scope: String, _ role: String) -> String {
        let name = "\(scope).\(role)"
        guard let value = state[name] else { preconditionFailure("the network has no tensor \(name)") }
        return graph.constant(name, dims: value.shape, value.array)
    }
}

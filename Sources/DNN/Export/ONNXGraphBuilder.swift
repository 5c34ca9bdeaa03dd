/// Collects the nodes and constants of an ONNX graph in topological order, naming every
/// value after the layer that makes it (`3/Conv`, `4.body.1/BatchNormalization`), so a
/// graph viewer shows where each node comes from.
struct ONNXGraphBuilder {
    typealias Attribute = ONNXProto.Attribute

    /// The opset the nodes are written for; a few operators changed their signature.
    let opset: Int
    private(set) var nodes: [ONNXProto.Node] = []
    private(set) var initializers: [ONNXProto.Tensor] = []
    /// Every value name used so far (graph input, node outputs, initializers).
    private var usedNames: Set<String>

    /// - Parameter reserved: names that exist before any node, e.g. the graph input.
    init(opset: Int, reserved: [String]) {
        self.opset = opset
        usedNames = Set(reserved)
    }

    /// Appends `opType(inputs)` with one output and returns that output's name.
    /// - Parameter scope: the layer's `state_dict` prefix, e.g. "4.body.0".
    mutating func node(_ opType: String, _ inputs: [String], _ attributes: [Attribute] = [],
                       scope: String) -> String {
        let output = unique("\(scope)/\(opType)")
        nodes.append(ONNXProto.Node(opType: opType, inputs: inputs, outputs: [output], name: output,
                                    attributes: attributes))
        return output
    }

    /// Appends `opType(inputs)` with `count` outputs (an RNN's Y and Y_h) and returns their names.
    mutating func node(_ opType: String, _ inputs: [String], _ attributes: [Attribute] = [], outputs count: Int,
                       scope: String) -> [String] {
        let outputs = (0..<count).map { unique("\(scope)/\(opType)" + ($0 == 0 ? "" : ":\($0)")) }
        nodes.append(ONNXProto.Node(opType: opType, inputs: inputs, outputs: outputs, name: outputs[0],
                                    attributes: attributes))
        return outputs
    }

    /// `x` transposed by `perm`.
    mutating func transpose(_ x: String, _ perm: [Int], scope: String) -> String {
        node("Transpose", [x], [Attribute(name: "perm", value: .ints(perm))], scope: scope)
    }

    /// `x` reshaped to `shape` (0 keeps that dimension, -1 takes the rest).
    mutating func reshape(_ x: String, _ shape: [Int], scope: String) -> String {
        let name = unique("\(scope).shape")
        initializers.append(ONNXProto.Tensor(name: name, int64: shape))
        return node("Reshape", [x, name], scope: scope)
    }

    /// A float32 initializer named `name` (a checkpoint tensor keeps its `state_dict` name).
    mutating func constant(_ name: String, dims: [Int], _ values: [Float]) -> String {
        let name = unique(name)
        initializers.append(ONNXProto.Tensor(name: name, dims: dims, floats: values))
        return name
    }

    /// A one-dimensional int64 initializer (a Reshape's shape, a Split's sizes).
    mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        let name = unique(name)
        initializers.append(ONNXProto.Tensor(name: name, int64: values))
        return name
    }

    /// Appends `opType(inputs)` with `outputs` outputs (a Split) and returns their names.
    mutating func nodes(outputs count: Int, _ opType: String, _ inputs: [String], _ attributes: [Attribute] = [],
                        scope: String) -> [String] {
        let outputs = (0..<count).map { unique("\(scope)/\(opType)_\($0)") }
        nodes.append(ONNXProto.Node(opType: opType, inputs: inputs, outputs: outputs, name: outputs[0],
                                    attributes: attributes))
        return outputs
    }

    /// A float32 scalar initializer (rank 0), broadcast by elementwise operators.
    mutating func scalar(_ value: Float, scope: String, role: String) -> String {
        constant("\(scope).\(role)", dims: [], [value])
    }

    /// The mean over `axes`, kept as size-1 dimensions. Opset 18 moved ReduceMean's axes
    /// from an attribute to a second, int64 input.
    mutating func reduceMean(_ x: String, axes: [Int], scope: String) -> String {
        if opset >= 18 {
            let name = unique("\(scope).axes")
            initializers.append(ONNXProto.Tensor(name: name, int64: axes))
            return node("ReduceMean", [x, name], [Attribute(name: "keepdims", value: .int(1))], scope: scope)
        }
        return node("ReduceMean", [x], [Attribute(name: "axes", value: .ints(axes)),
                                         Attribute(name: "keepdims", value: .int(1))], scope: scope)
    }

    /// Gives `value` the name `name`: the last node's output is renamed when it is `value`,
    /// otherwise an Identity node is added (a network that ends in dropout, or has no layers).
    mutating func output(_ value: String, as name: String) {
        if let last = nodes.indices.last, nodes[last].outputs == [value] {
            nodes[last].outputs = [name]
        } else {
            nodes.append(ONNXProto.Node(opType: "Identity", inputs: [value], outputs: [name], name: "\(name)/Identity"))
        }
        usedNames.insert(name)
    }

    /// `base`, or `base_2`, `base_3`, ... when taken.
    private mutating func unique(_ base: String) -> String {
        var name = base, count = 1
        while usedNames.contains(name) {
            count += 1
            name = "\(base)_\(count)"
        }
        usedNames.insert(name)
        return name
    }
}

/// The sequence layers in ONNX, on values [N, T, F] (ids [N, T] for an embedding).
extension ONNXLowering {
    mutating func tokenLayer(_ spec: LayerSpec, input x: String, inputShape: [Int], scope: String) -> String {
        switch spec {
        case .embedding:
            // Ids arrive as float32: Cast to int64, then Gather rows of the table.
            let ids = graph.node("Cast", [x], [Attribute(name: "to", value: .int(7))], scope: scope)
            return graph.node("Gather", [tensor(scope, "weight"), ids], [Attribute(name: "axis", value: .int(0))],
                              scope: scope)
        case .positionalEmbedding:
            // The table's first T rows, an initializer [T, F] broadcast over the batch.
            let rows = inputShape[0] * inputShape[1]
            let table = Array(state["\(scope).weight"]!.array.prefix(rows))
            return graph.node("Add", [x, graph.constant("\(scope).weight.rows", dims: inputShape, table)], scope: scope)
        case let .attention(heads, causal, _):
            return attention(x, heads: heads, causal: causal, shape: inputShape, scope: scope)
        default:
            preconditionFailure("tokenLayer lowers embedding, positional_embedding and attention only")
        }
    }

    /// `x · Wᵀ + b` at every position: MatMul with Wᵀ as an initializer [in, out], then Add.
    mutating func positionwiseLinear(_ x: String, bias: Bool, scope: String) -> String {
        let product = graph.node("MatMul", [x, transposed(scope, "weight")], scope: scope)
        return bias ? graph.node("Add", [product, tensor(scope, "bias")], scope: scope) : product
    }

    /// The checkpoint matrix `scope.role` [rows, columns] as an initializer [columns, rows].
    private mutating func transposed(_ scope: String, _ role: String) -> String {
        let matrix = state["\(scope).\(role)"]!
        let (rows, columns) = (matrix.shape[0], matrix.shape[1])
        let values = matrix.array
        let flipped = (0..<(rows * columns)).map { values[($0 % rows) * columns + $0 / rows] }
        return graph.constant("\(scope).\(role).T", dims: [columns, rows], flipped)
    }

    /// Self-attention as MatMul and Softmax: the in-projection, Q, K, V as [N, heads, T, d],
    /// softmax(Q Kᵀ / √d + mask) V (mask: 0 on and below the diagonal, -inf above when
    /// causal), the heads back side by side, and the out-projection.
    private mutating func attention(_ x: String, heads: Int, causal: Bool, shape: [Int], scope: String) -> String {
        let (t, f) = (shape[0], shape[1]), d = f / heads
        let qkv = graph.node("Add", [graph.node("MatMul", [x, transposed(scope, "in_proj_weight")], scope: scope),
                                     tensor(scope, "in_proj_bias")], scope: scope)
        let split = int64Constant("\(scope).split", [f, f, f])
        let parts = graph.nodes(outputs: 3, "Split", [qkv, split], [Attribute(name: "axis", value: .int(2))],
                                scope: scope)
        let headShape = int64Constant("\(scope).head_shape", [-1, t, heads, d])
        func perHead(_ value: String, _ order: [Int]) -> String {
            let reshaped = graph.node("Reshape", [value, headShape], scope: scope)
            return graph.node("Transpose", [reshaped], [Attribute(name: "perm", value: .ints(order))], scope: scope)
        }
        let (q, kT, v) = (perHead(parts[0], [0, 2, 1, 3]), perHead(parts[1], [0, 2, 3, 1]), perHead(parts[2], [0, 2, 1, 3]))
        var scores = graph.node("Mul", [graph.node("MatMul", [q, kT], scope: scope),
                                        graph.scalar(1 / Float(Double(d).squareRoot()), scope: scope, role: "scale")],
                                scope: scope)
        if causal {
            let mask = (0..<(t * t)).map { $0 % t > $0 / t ? -Float.infinity : 0 }
            scores = graph.node("Add", [scores, graph.constant("\(scope).causal_mask", dims: [t, t], mask)], scope: scope)
        }
        let weights = graph.node("Softmax", [scores], [Attribute(name: "axis", value: .int(-1))], scope: scope)
        let attended = graph.node("Transpose", [graph.node("MatMul", [weights, v], scope: scope)],
                                  [Attribute(name: "perm", value: .ints([0, 2, 1, 3]))], scope: scope)
        let joined = graph.node("Reshape", [attended, int64Constant("\(scope).joined_shape", [-1, t, f])], scope: scope)
        let projected = graph.node("MatMul", [joined, transposed(scope, "out_proj.weight")], scope: scope)
        return graph.node("Add", [projected, tensor(scope, "out_proj.bias")], scope: scope)
    }

    private mutating func int64Constant(_ name: String, _ values: [Int]) -> String {
        graph.int64Constant(name, values)
    }
}

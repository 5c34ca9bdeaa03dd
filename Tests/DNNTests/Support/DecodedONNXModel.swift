/// An exported `.onnx` file read back field by field with `ProtobufMessage`, using the field
/// numbers of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
/// ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto, StringStringEntryProto).
struct DecodedONNXModel {
    struct Attribute: Equatable {
        var type: Int          // AttributeProto.type = 20: 1 FLOAT, 2 INT, 3 STRING, 7 INTS
        var float: Float?      // f = 2
        var int: Int?          // i = 3
        var string: String?    // s = 4
        var ints: [Int]        // ints = 8
    }

    struct Node {
        var opType: String, name: String, inputs: [String], outputs: [String]
        var attributes: [String: Attribute]
    }

    struct Initializer {
        var name: String, dims: [Int], dataType: Int, rawData: [UInt8]

        /// The raw_data as little-endian float32 values.
        var floats: [Float] {
            stride(from: 0, to: rawData.count, by: 4).map { i in
                Float(bitPattern: (0..<4).reduce(UInt32(0)) { $0 | UInt32(rawData[i + $1]) << UInt32(8 * $1) })
            }
        }
    }

    /// A graph input or output: name, element type and dimensions (an Int, or a symbol's name).
    struct Value {
        var name: String, elementType: Int?, dims: [DimensionValue]
    }

    enum DimensionValue: Equatable {
        case size(Int)
        case symbol(String)
    }

    var irVersion: Int?, producerName: String?, producerVersion: String?
    var opsets: [(domain: String, version: Int)]
    var metadata: [String: String]
    var graphName: String?
    var nodes: [Node], initializers: [Initializer], inputs: [Value], outputs: [Value]

    init(_ bytes: [UInt8]) throws {
        let model = try ProtobufMessage(bytes)
        irVersion = model.int(1)
        producerName = model.string(2)
        producerVersion = model.string(3)
        opsets = try model.messages(8).map { ($0.string(1) ?? "", $0.int(2) ?? -1) }
        metadata = Dictionary(try model.messages(14).map { ($0.string(1) ?? "", $0.string(2) ?? "") },
                              uniquingKeysWith: { first, _ in first })
        guard let graph = try model.message(7) else { throw ProtobufMessage.DecodingError(description: "no graph") }
        graphName = graph.string(2)
        nodes = try graph.messages(1).map(Self.node)
        initializers = try graph.messages(5).map { tensor in
            Initializer(name: tensor.string(8) ?? "", dims: try tensor.ints(1), dataType: tensor.int(2) ?? 0,
                        rawData: tensor.bytes(9) ?? [])
        }
        inputs = try graph.messages(11).map(Self.value)
        outputs = try graph.messages(12).map(Self.value)
    }

    private static func node(_ node: ProtobufMessage) throws -> Node {
        var attributes: [String: Attribute] = [:]
        for attribute in try node.messages(5) {
            attributes[attribute.string(1) ?? ""] = Attribute(
                type: attribute.int(20) ?? 0, float: attribute.float(2), int: attribute.int(3),
                string: attribute.string(4), ints: try attribute.ints(8))
        }
        return Node(opType: node.string(4) ?? "", name: node.string(3) ?? "", inputs: node.strings(1),
                    outputs: node.strings(2), attributes: attributes)
    }

    private static func value(_ info: ProtobufMessage) throws -> Value {
        let tensorType = try info.message(2)?.message(1)           // TypeProto.tensor_type = 1
        let dims = try tensorType?.message(2)?.messages(1) ?? []    // shape = 2, dim = 1
        return Value(name: info.string(1) ?? "", elementType: tensorType?.int(1),
                     dims: dims.map { dim in dim.int(1).map(DimensionValue.size) ?? .symbol(dim.string(2) ?? "") })
    }
}

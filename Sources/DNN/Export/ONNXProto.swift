/// The messages of an ONNX model that `dnn export` writes, each encoded with the field
/// numbers of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto), which
/// are stable across ONNX releases. Only the fields `dnn` fills in are modelled.
enum ONNXProto {
    /// `TensorProto.DataType`: the element types `dnn` uses.
    enum DataType: Int {
        case float = 1
        case int64 = 7
    }

    /// `TensorProto`: a named constant (a weight, a statistic, an axis list).
    struct Tensor: Equatable {
        var name: String
        var dims: [Int]
        var dataType: DataType
        /// Fixed-width little-endian element bytes (`raw_data`).
        var rawData: [UInt8]

        /// A float32 tensor; `values.count` must be the product of `dims`.
        init(name: String, dims: [Int], floats values: [Float]) {
            precondition(values.count == dims.reduce(1, *), "tensor \(name): \(values.count) values for shape \(dims)")
            self.name = name
            self.dims = dims
            dataType = .float
            var writer = ProtobufWriter()
            for value in values { writer.appendLittleEndian(value.bitPattern) }
            rawData = writer.bytes
        }

        /// A one-dimensional int64 tensor (e.g. the `axes` input of ReduceMean from opset 18).
        init(name: String, int64 values: [Int]) {
            self.name = name
            dims = [values.count]
            dataType = .int64
            rawData = values.flatMap { value in
                (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: Int64(value)) >> UInt64($0 * 8)) }
            }
        }

        func encode(into writer: inout ProtobufWriter) {
            if !dims.isEmpty { writer.packedInts(1, dims) }   // repeated int64 dims = 1 (none: a scalar)
            writer.int(2, dataType.rawValue)         // int32 data_type = 2
            writer.string(8, name)                   // string name = 8
            writer.bytes(9, rawData)                 // bytes raw_data = 9
        }
    }

    /// `AttributeProto`: a named node parameter; `type` (field 20) says which value field is set.
    struct Attribute: Equatable {
        enum Value: Equatable {
            case float(Float)
            case int(Int)
            case string(String)
            case ints([Int])
        }

        var name: String
        var value: Value

        func encode(into writer: inout ProtobufWriter) {
            writer.string(1, name)                   // string name = 1
            switch value {
            case .float(let f):
                writer.float(2, f)                   // float f = 2
                writer.int(20, 1)                    // type = FLOAT (1)
            case .int(let i):
                writer.int(3, i)                     // int64 i = 3
                writer.int(20, 2)                    // type = INT (2)
            case .string(let s):
                writer.string(4, s)                  // bytes s = 4
                writer.int(20, 3)                    // type = STRING (3)
            case .ints(let values):
                writer.packedInts(8, values)         // repeated int64 ints = 8
                writer.int(20, 7)                    // type = INTS (7)
            }
        }
    }

    /// `NodeProto`: one operator application in the default domain (ai.onnx).
    struct Node: Equatable {
        var opType: String
        var inputs: [String]
        var outputs: [String]
        var name: String
        var attributes: [Attribute] = []

        func encode(into writer: inout ProtobufWriter) {
            for input in inputs { writer.string(1, input) }      // repeated string input = 1
            for output in outputs { writer.string(2, output) }   // repeated string output = 2
            writer.string(3, name)                               // string name = 3
            writer.string(4, opType)                             // string op_type = 4
            for attribute in attributes {                        // repeated AttributeProto attribute = 5
                writer.message(5) { attribute.encode(into: &$0) }
            }
        }
    }

    /// One dimension of a `TensorShapeProto`: a size, or a symbol such as "batch".
    enum Dimension: Equatable {
        case value(Int)
        case symbol(String)
    }

    /// `ValueInfoProto` of a float32 tensor: a graph input or output with its shape.
    struct ValueInfo: Equatable {
        var name: String
        var shape: [Dimension]

        func encode(into writer: inout ProtobufWriter) {
            writer.string(1, name)                               // string name = 1
            writer.message(2) { type in                          // TypeProto type = 2
                type.message(1) { tensor in                      // TypeProto.tensor_type = 1
                    tensor.int(1, DataType.float.rawValue)       // Tensor.elem_type = 1
                    tensor.message(2) { shape in                 // Tensor.shape = 2 (TensorShapeProto)
                        for dimension in self.shape {
                            shape.message(1) { dim in            // repeated Dimension dim = 1
                                switch dimension {
                                case .value(let size): dim.int(1, size)         // int64 dim_value = 1
                                case .symbol(let name): dim.string(2, name)     // string dim_param = 2
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `GraphProto`: nodes in topological order, the constants they read, inputs and outputs.
    struct Graph: Equatable {
        var name: String
        var nodes: [Node]
        var initializers: [Tensor]
        var inputs: [ValueInfo]
        var outputs: [ValueInfo]

        func encode(into writer: inout ProtobufWriter) {
            for node in nodes { writer.message(1) { node.encode(into: &$0) } }                 // repeated NodeProto node = 1
            writer.string(2, name)                                                             // string name = 2
            for tensor in initializers { writer.message(5) { tensor.encode(into: &$0) } }      // repeated TensorProto initializer = 5
            for input in inputs { writer.message(11) { input.encode(into: &$0) } }             // repeated ValueInfoProto input = 11
            for output in outputs { writer.message(12) { output.encode(into: &$0) } }          // repeated ValueInfoProto output = 12
        }
    }

    /// `ModelProto`: the file's top-level message.
    struct Model: Equatable {
        /// The IR version the opset needs (IR 8 for opsets 17 and 18, 9 for 19 and 20, 10 for 21).
        var irVersion: Int
        var opset: Int
        var producerName: String
        var producerVersion: String
        var graph: Graph
        /// `metadata_props`, in order.
        var metadata: [(key: String, value: String)]

        static func == (a: Model, b: Model) -> Bool {
            a.irVersion == b.irVersion && a.opset == b.opset && a.producerName == b.producerName
                && a.producerVersion == b.producerVersion && a.graph == b.graph
                && a.metadata.elementsEqual(b.metadata, by: { $0.key == $1.key && $0.value == $1.value })
        }

        /// The model as the bytes of an `.onnx` file.
        func serialized() -> [UInt8] {
            var writer = ProtobufWriter()
            writer.int(1, irVersion)                             // int64 ir_version = 1
            writer.string(2, producerName)                       // string producer_name = 2
            writer.string(3, producerVersion)                    // string producer_version = 3
            writer.message(7) { graph.encode(into: &$0) }        // GraphProto graph = 7
            writer.message(8) { opsetID in                       // repeated OperatorSetIdProto opset_import = 8
                opsetID.string(1, "")                            // string domain = 1 ("" = ai.onnx)
                opsetID.int(2, opset)                            // int64 version = 2
            }
            for entry in metadata {                              // repeated StringStringEntryProto metadata_props = 14
                writer.message(14) { pair in
                    pair.string(1, entry.key)                    // string key = 1
                    pair.string(2, entry.value)                  // string value = 2
                }
            }
            return writer.bytes
        }
    }
}

import Foundation

/// `dnn export`: a checkpoint as an ONNX model that takes the raw features `dnn predict`
/// reads and returns the same probabilities.
///
/// Graph: `input` float32 [batch, *sample shape] → the checkpoint's normalisation
/// (x/255, or (x - mean)/std per feature) → the layers in inference form → `logits`
/// [batch, classes] → Softmax(axis 1) → `probabilities`. `metadata_props` carry `classes`
/// (a JSON list) and `dnn_config` (the resolved config).
public enum ONNXExport {
    /// The opset written when none is asked for.
    public static let defaultOpset = 17
    /// The opsets `dnn` can write: 17 (LayerNormalization) up to 21, the newest that
    /// onnxruntime 1.20 and later run. From 18 ReduceMean takes its axes as an input;
    /// from 20 GELU is the `Gelu` operator.
    public static let supportedOpsets = 17...21

    /// The graph's input and output names.
    public static let inputName = "input", logitsName = "logits", probabilitiesName = "probabilities"

    /// Reads the checkpoint at `checkpointPath`, lowers it and writes the model to `outputPath`
    /// atomically (a temporary file, then a rename), so a failure leaves no partial file and
    /// an existing file at `outputPath` as it was.
    ///
    /// - Returns: the number of nodes and of initializers written.
    /// - Throws: `.usage` for an opset outside `supportedOpsets` or an output path that is the
    ///   checkpoint itself; `.checkpoint` errors from `Checkpoint.read`; `.io` when the file
    ///   cannot be written.
    @discardableResult
    public static func export(checkpointAt checkpointPath: String, to outputPath: String,
                              opset: Int = defaultOpset) throws -> (nodes: Int, initializers: Int) {
        try checkOpset(opset)
        let checkpoint = try Checkpoint.read(path: checkpointPath)
        if sameFile(checkpointPath, outputPath) {
            throw DNNError(.usage, at: outputPath, "is the checkpoint itself; exporting would overwrite it",
                           hint: "give -o a .onnx path")
        }
        let model = try self.model(of: checkpoint, path: checkpointPath, opset: opset)
        try AtomicFile.write(model.serialized(), to: outputPath)
        return (model.graph.nodes.count, model.graph.initializers.count)
    }

    /// `.usage` unless `opset` is one `dnn` writes.
    public static func checkOpset(_ opset: Int) throws {
        guard supportedOpsets.contains(opset) else {
            throw DNNError(.usage, at: "--opset", "\(opset) is not supported",
                           hint: "dnn writes opsets \(supportedOpsets.lowerBound) to \(supportedOpsets.upperBound); "
                               + "the default is \(defaultOpset)")
        }
    }

    /// The ONNX model of `checkpoint`, whose network is built and loaded strictly first.
    static func model(of checkpoint: Checkpoint, path: String, opset: Int) throws -> ONNXProto.Model {
        let network = try checkpoint.network(path: path)
        var lowering = ONNXLowering(network: network, opset: opset, input: inputName)
        let features = normalize(inputName, checkpoint.normalization, sampleShape: checkpoint.inputShape,
                                 graph: &lowering.graph)
        let logits = lowering.sequence(checkpoint.config.model.layers, network, input: features, prefix: "")
        lowering.graph.output(logits, as: logitsName)
        let softmax = lowering.graph.node("Softmax", [logitsName], [.init(name: "axis", value: .int(1))], scope: "softmax")
        lowering.graph.output(softmax, as: probabilitiesName)

        let batch = ONNXProto.Dimension.symbol("batch"), classes = checkpoint.classes.names.count
        let graph = ONNXProto.Graph(
            name: checkpoint.config.name, nodes: lowering.graph.nodes, initializers: lowering.graph.initializers,
            inputs: [ONNXProto.ValueInfo(name: inputName, shape: [batch] + checkpoint.inputShape.map { .value($0) })],
            outputs: [ONNXProto.ValueInfo(name: logitsName, shape: [batch, .value(classes)]),
                      ONNXProto.ValueInfo(name: probabilitiesName, shape: [batch, .value(classes)])])
        let classNames = JSON.array(checkpoint.classes.names.map { .string($0) }).serialized(pretty: false)
        return ONNXProto.Model(
            irVersion: irVersion(opset: opset), opset: opset, producerName: "dnn", producerVersion: DNNVersion.current,
            graph: graph,
            metadata: [("classes", classNames), ("dnn_config", checkpoint.configJSON.serialized(pretty: false))])
    }

    /// The input normalisation as the graph's first nodes, exactly as `Normalization.apply`:
    /// `x / 255`, or `(x - mean) / std` with mean and std shaped as one sample, so they
    /// broadcast over the batch and each applies to its feature in row-major order.
    static func normalize(_ x: String, _ normalization: Normalization, sampleShape: [Int],
                          graph: inout ONNXGraphBuilder) -> String {
        switch normalization {
        case .none:
            return x
        case .scale:
            return graph.node("Div", [x, graph.scalar(255, scope: "normalize", role: "scale")], scope: "normalize")
        case let .standardize(mean, std):
            let centered = graph.node("Sub", [x, graph.constant("normalize.mean", dims: sampleShape, mean)],
                                      scope: "normalize")
            return graph.node("Div", [centered, graph.constant("normalize.std", dims: sampleShape, std)],
                              scope: "normalize")
        }
    }

    /// The ONNX IR version each opset was released with (onnx/helper.py's VERSION_TABLE).
    static func irVersion(opset: Int) -> Int {
        switch opset {
        case ...18: 8
        case 19...20: 9
        default: 10
        }
    }

    /// Whether two paths name one existing file (same device and inode), so `-o` never
    /// replaces the checkpoint being read.
    private static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }
}

import Foundation

/// `dnn export`: a checkpoint as an ONNX model that takes the raw features `dnn predict`
/// reads and returns the same probabilities (or, for regression, the same predicted values).
///
/// Graph: `input` float32 [batch, *sample shape] → the checkpoint's normalisation
/// (x/255, or (x - mean)/std per feature) → the layers in inference form → `logits`
/// [batch, classes] → Softmax(axis 1) → `probabilities`. For regression the layers'
/// output [batch, targets] is `prediction`, after a Mul by std and an Add of mean per
/// target when `data.normalize_target` standardised them, so it is in original units.
/// `metadata_props` carry `classes` (a JSON list; classification only), `targets` (the
/// target columns; regression only) and `dnn_config` (the resolved config).
public enum ONNXExport {
    /// The opset written when none is asked for.
    public static let defaultOpset = 17
    /// The opsets `dnn` can write: 17 (LayerNormalization) up to 21, the newest that
    /// onnxruntime 1.20 and later run. From 18 ReduceMean takes its axes as an input;
    /// from 20 GELU is the `Gelu` operator.
    public static let supportedOpsets = 17...21

    /// The graph's input and output names.
    public static let inputName = "input", logitsName = "logits", probabilitiesName = "probabilities",
                      predictionName = "prediction"

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
        let output = lowering.sequence(checkpoint.config.model.layers, network, input: features, prefix: "")
        if checkpoint.config.loss.isRegression {
            return regressionModel(checkpoint, output: output, graph: &lowering.graph, opset: opset)
        }
        let logits = output
        lowering.graph.output(logits, as: logitsName)
        // Over the classes: the last axis, which is 1 except for a language model's [batch, T, 256].
        let axis = network.outputShape.count > 1 ? -1 : 1
        let softmax = lowering.graph.node("Softmax", [logitsName], [.init(name: "axis", value: .int(axis))], scope: "softmax")
        lowering.graph.output(softmax, as: probabilitiesName)

        let classes = network.outputShape
        let classNames = JSON.array(checkpoint.classes.names.map { .string($0) }).serialized(pretty: false)
        return model(checkpoint, lowering.graph, opset: opset,
                     outputs: [(logitsName, classes), (probabilitiesName, classes)], metadata: ("classes", classNames))
    }

    /// The model around a finished graph: `input`, `outputs` [batch, *shape] each, and the
    /// metadata (`dnn_config` after `metadata`, then `dnn_encoding` for a model trained on
    /// an encoded CSV: the input stays the encoded vector, and this JSON says how a raw row
    /// becomes it, see docs/data-csv.md).
    private static func model(_ checkpoint: Checkpoint, _ graph: ONNXGraphBuilder, opset: Int,
                              outputs: [(name: String, shape: [Int])], metadata: (String, String)) -> ONNXProto.Model {
        let batch = ONNXProto.Dimension.symbol("batch")
        return ONNXProto.Model(
            irVersion: irVersion(opset: opset), opset: opset, producerName: "dnn", producerVersion: DNNVersion.current,
            graph: ONNXProto.Graph(
                name: checkpoint.config.name, nodes: graph.nodes, initializers: graph.initializers,
                inputs: [ONNXProto.ValueInfo(name: inputName, shape: [batch] + checkpoint.inputShape.map { .value($0) })],
                outputs: outputs.map { ONNXProto.ValueInfo(name: $0.name, shape: [batch] + $0.shape.map { .value($0) }) }),
            metadata: [metadata, ("dnn_config", checkpoint.configJSON.serialized(pretty: false))]
                + (checkpoint.encoding.map { [("dnn_encoding", $0.json.serialized(pretty: false))] } ?? []))
    }

    /// The regression model: the layers' `output` with the target normalisation undone
    /// (`z · std + mean`, as `Prediction.values`) as `prediction` [batch, targets].
    static func regressionModel(_ checkpoint: Checkpoint, output: String, graph: inout ONNXGraphBuilder,
                                opset: Int) -> ONNXProto.Model {
        let targets = checkpoint.outputCount
        var prediction = output
        if case .standardize = checkpoint.targetNormalization {
            let (scale, offset) = checkpoint.targetNormalization.inverse(columns: targets)
            let scaled = graph.node("Mul", [output, graph.constant("target.std", dims: [targets], scale.map(Float.init))],
                                    scope: "target")
            prediction = graph.node("Add", [scaled, graph.constant("target.mean", dims: [targets], offset.map(Float.init))],
                                    scope: "target")
        }
        graph.output(prediction, as: predictionName)
        let targetNames = JSON.array(checkpoint.config.data.train.labelColumns.map { .string($0) })
        return model(checkpoint, graph, opset: opset, outputs: [(predictionName, [targets])],
                     metadata: ("targets", targetNames.serialized(pretty: false)))
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
        case let .channels(mean, std):
            // x / 255, then per channel: the statistics spread over each channel's plane.
            let size = sampleShape.reduce(1, *), plane = size / max(mean.count, 1)
            let scaled = graph.node("Div", [x, graph.scalar(255, scope: "normalize", role: "scale")], scope: "normalize")
            let centered = graph.node("Sub", [scaled, graph.constant("normalize.mean", dims: sampleShape,
                                                                     (0..<size).map { mean[$0 / plane] })],
                                      scope: "normalize")
            return graph.node("Div", [centered, graph.constant("normalize.std", dims: sampleShape,
                                                               (0..<size).map { std[$0 / plane] })],
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

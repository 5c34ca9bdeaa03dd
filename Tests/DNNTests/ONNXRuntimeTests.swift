import Foundation
import Testing
@testable import DNN

/// The exported models in onnxruntime: `tools/check_onnx_all.py` (what `make onnx-check`
/// runs) trains every example config that can run here, exports it, and compares
/// onnxruntime's probabilities with `dnn predict --probabilities` at batch 1 and over the
/// whole data file, after `onnx.checker.check_model(full_check=True)`.
///
/// It needs Python with onnx, onnxruntime and numpy: `DNN_ONNX_PYTHON` (an interpreter that
/// has them; the test then must pass) or else the venv of `make onnx-venv`. Without either
/// the test is skipped, and says so.
@Suite struct ONNXRuntimeTests {
    static let venvPython = TestPaths.packageRoot + "/.build/venv-onnx/bin/python"

    /// The interpreter to use, or nil to skip.
    static let python: String? = {
        if let chosen = ProcessInfo.processInfo.environment["DNN_ONNX_PYTHON"], !chosen.isEmpty { return chosen }
        return FileManager.default.isExecutableFile(atPath: venvPython) ? venvPython : nil
    }()

    /// Within this of `dnn predict`'s probabilities, which it prints with 6 significant
    /// digits (up to 5e-7 of rounding), as CONTRACT.md's "ONNX export" fixes.
    static let tolerance = 1e-5

    @Test(.enabled(if: python != nil,
                   "no ONNX Python (set DNN_ONNX_PYTHON or run make onnx-venv): onnxruntime checks skipped"))
    func everyExampleConfigMatchesOnnxruntime() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.python))
        process.arguments = [TestPaths.packageRoot + "/tools/check_onnx_all.py", "--json", "--dnn", CLI.executable]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = try JSON.parse(String(decoding: data, as: UTF8.self), file: "check_onnx_all.py output")
        let cases = report["cases"]?.array ?? []
        var expected = ["iris", "iris_bn", "two_layer", "regression", "regression", "penguins", "every_layer", "every_layer",
                        "every_form", "every_form"]
        expected += ["sequences", "sequences", "global_pool_image", "ts_fcn", "ts_gru", "ts_gru", "recurrent_forms", "recurrent_forms"]
        // The language models: their validation loss from the ONNX logits.
        expected += ["gpt_tiny", "gpt_tiny", "attention_forms", "attention_forms"]
        if TestPaths.hasMNIST { expected += ["mnist_mlp", "mnist_cnn", "mnist_resnet"] }
        #expect(cases.compactMap { $0["name"]?.stringValue } == expected)
        for result in cases {
            let name = result["name"]?.stringValue ?? "?"
            #expect(result["error"] == nil, "\(name): \(result["error"]?.stringValue ?? "")")
            #expect(result["ok"] == .bool(true), "\(name)")
            #expect(try #require(result["max_diff_batch1"]?.double) <= Self.tolerance, "\(name)")
            #expect(try #require(result["max_diff_full"]?.double) <= Self.tolerance, "\(name)")
            // A language model's check is its loss (max_diff_full: relative, below 1e-5), not argmaxes.
            if !["gpt_tiny", "attention_forms"].contains(name) { #expect(result["same_argmax"] == .bool(true), "\(name)") }
        }
        #expect(process.terminationStatus == 0)
        for note in report["skipped"]?.array ?? [] { print("ONNXRuntimeTests: skipped \(note.stringValue ?? "")") }
    }
}

import Foundation
import Testing
@testable import DNN

/// `dnn export` from the command line: where the file goes, and bad input (exit 2, one line
/// naming what is wrong, no file created, an existing file left byte for byte).
@Suite struct CLIExportTests {
    /// A trained iris checkpoint in its own folder, made once for the suite.
    static let run: String = {
        let directory = TestPaths.temporaryDirectory() + "/run"
        _ = try? CLI.run(["train", TestPaths.packageRoot + "/configs/iris.json", "--out", directory, "--quiet",
                          "--epochs", "2"])
        return directory
    }()

    static var checkpoint: String { run + "/best.safetensors" }

    /// The folder's entries, to show a refused export left nothing behind (no temporary file).
    static func entries(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test func defaultOutputIsTheCheckpointWithOnnx() throws {
        let folder = TestPaths.temporaryDirectory()
        let copy = folder + "/model.safetensors"
        try FileManager.default.copyItem(atPath: Self.checkpoint, toPath: copy)
        let result = try CLI.run(["export", copy])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("model.onnx: opset 17"))
        #expect(Self.entries(folder) == ["model.onnx", "model.safetensors"])
    }

    @Test func notADNNCheckpointIsRefusedWithoutAFile() throws {
        let folder = TestPaths.temporaryDirectory()
        let torch = TestPaths.fixtures + "/torch_written.safetensors"
        let result = try CLI.run(["export", torch, "-o", folder + "/x.onnx"])
        CLIErrorTests.expectError(result, ["torch_written.safetensors", "metadata 'format'", "dnn-checkpoint/1"])
        let bare = TestPaths.temporaryDirectory() + "/bare.safetensors"
        try SafeTensors(tensors: [("0.weight", SafeTensors.Tensor([Float(1), 2], shape: [2]))], metadata: [:]).write(to: bare)
        CLIErrorTests.expectError(try CLI.run(["export", bare, "-o", folder + "/x.onnx"]), ["not written by dnn"])
        #expect(Self.entries(folder).isEmpty)
    }

    @Test func unwritableOutputIsRefused() throws {
        let result = try CLI.run(["export", Self.checkpoint, "-o", "/nonexistent-dnn-folder/x.onnx"])
        CLIErrorTests.expectError(result, ["/nonexistent-dnn-folder/x.onnx"])
    }

    @Test func badOpsetIsRefused() throws {
        let folder = TestPaths.temporaryDirectory()
        for opset in ["16", "99", "seventeen"] {
            let result = try CLI.run(["export", Self.checkpoint, "-o", folder + "/x.onnx", "--opset", opset])
            CLIErrorTests.expectError(result, ["--opset"])
        }
        let result = try CLI.run(["export", Self.checkpoint, "-o", folder + "/x.onnx", "--opset", "16"])
        CLIErrorTests.expectError(result, ["16 is not supported", "17 to 21"])
        #expect(Self.entries(folder).isEmpty)
    }

    @Test func refusedExportLeavesAnExistingFileAsItWas() throws {
        let folder = TestPaths.temporaryDirectory()
        let output = folder + "/model.onnx"
        let original = Data("an earlier export\n".utf8)
        try original.write(to: URL(fileURLWithPath: output))
        let refusals = [["export", TestPaths.fixtures + "/torch_written.safetensors", "-o", output],
                        ["export", Self.checkpoint, "-o", output, "--opset", "30"],
                        ["export", folder + "/missing.safetensors", "-o", output]]
        for arguments in refusals {
            #expect(try CLI.run(arguments).status == 2)
            #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == original)
            #expect(Self.entries(folder) == ["model.onnx"])
        }
    }

    @Test func theCheckpointItselfIsNeverTheOutput() throws {
        let folder = TestPaths.temporaryDirectory()
        let copy = folder + "/best.safetensors"
        try FileManager.default.copyItem(atPath: Self.checkpoint, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        CLIErrorTests.expectError(try CLI.run(["export", copy, "-o", copy]), ["is the checkpoint itself"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
    }

    @Test func helpDescribesExport() throws {
        let result = try CLI.run(["help", "export"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: dnn export CHECKPOINT [-o FILE.onnx] [--opset N]"))
        #expect(result.stdout.contains("17 to 21 (default 17)"))
        #expect(try CLI.run(["--help"]).stdout.contains("dnn export CHECKPOINT"))
    }
}

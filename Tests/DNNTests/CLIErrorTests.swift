import Foundation
import Testing
@testable import DNN

/// Bad input of every kind: exit code 2, a message that names what and where, no crash,
/// and no checkpoint lost.
@Suite struct CLIErrorTests {
    /// Runs `dnn train` on a config text and returns the outcome.
    static func train(config text: String, extra: [String] = [], directory: String = TestPaths.temporaryDirectory())
        throws -> CLI.Output {
        let path = directory + "/config.json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try CLI.run(["train", path, "--out", directory + "/run", "--quiet"] + extra)
    }

    /// A valid config on `data` (a data source JSON) with `layers`, `solver` as given.
    static func config(data: String = "{\"format\": \"csv\", \"path\": \"\(CLITrainTests.iris)\", \"label\": \"species\"}",
                       layers: String = "[{\"type\": \"linear\", \"out\": 3}]",
                       solver: String = "{\"epochs\": 1, \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1}}",
                       extra: String = "") -> String {
        "{\"data\": {\"train\": \(data)}, \"model\": {\"layers\": \(layers)}, \"solver\": \(solver)\(extra)}"
    }

    static func expectError(_ output: CLI.Output, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(output.status == 2, "exit \(output.status): \(output.stderr)", sourceLocation: sourceLocation)
        #expect(output.stderr.hasPrefix("dnn: error: "), "\(output.stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(output.stderr.contains(fragment), "'\(fragment)' not in: \(output.stderr)", sourceLocation: sourceLocation)
        }
        #expect(!output.stderr.contains("Fatal error") && output.stderr.split(separator: "\n").count <= 2,
                "one line, no trap: \(output.stderr)", sourceLocation: sourceLocation)
    }

    @Test func malformedJSON() throws {
        Self.expectError(try Self.train(config: "{\"data\": {\n  \"train\": [1, 2,]\n}}"), ["config.json:2:"])
    }

    @Test func unknownKeyNamesTheNearestValidOne() throws {
        Self.expectError(try Self.train(config: Self.config(extra: ", \"sede\": 3")), ["sede", "did you mean 'seed'"])
        let layer = "[{\"type\": \"dropout\", \"prob\": 0.5}, {\"type\": \"linear\", \"out\": 3}]"
        Self.expectError(try Self.train(config: Self.config(layers: layer)), ["model.layers[0]", "prob"])
    }

    @Test func wrongTypeAndOutOfRangeValues() throws {
        Self.expectError(try Self.train(config: Self.config(solver: "{\"epochs\": \"ten\", \"optimizer\": {\"type\": \"sgd\"}}")),
                         ["solver.epochs"])
        let dropout = "[{\"type\": \"linear\", \"out\": 8}, {\"type\": \"relu\"}, {\"type\": \"linear\", \"out\": 8}, {\"type\": \"dropout\", \"p\": 1.5}, {\"type\": \"linear\", \"out\": 3}]"
        Self.expectError(try Self.train(config: Self.config(layers: dropout)),
                         ["model.layers[3].p: must be in [0, 1), got 1.5"])
        Self.expectError(try Self.train(config: Self.config(solver: "{\"epochs\": -2, \"optimizer\": {\"type\": \"sgd\"}}")),
                         ["solver.epochs", "-2"])
        Self.expectError(try Self.train(config: Self.config(layers: "[{\"type\": \"dense\", \"out\": 3}]")),
                         ["model.layers[0].type", "linear"])
    }

    @Test func shapeAndClassErrorsNameTheLayer() throws {
        Self.expectError(try Self.train(config: Self.config(layers: "[{\"type\": \"linear\", \"out\": 4}]")),
                         ["model.layers[0].out", "3 classes"])
        Self.expectError(try Self.train(config: Self.config(layers: "[{\"type\": \"conv2d\", \"out\": 4, \"kernel\": 3}]")),
                         ["model.layers[0]", "[C, H, W]"])
        let image = Self.config(layers: "[{\"type\": \"conv2d\", \"out\": 2, \"kernel\": 2}, {\"type\": \"linear\", \"out\": 3}]",
                                extra: "").replacingOccurrences(of: "\"layers\"", with: "\"input_shape\": [1, 2, 2], \"layers\"")
        Self.expectError(try Self.train(config: image), ["model.layers[1]", "flatten"])
    }

    @Test func overridesAndFlags() throws {
        let directory = TestPaths.temporaryDirectory()
        Self.expectError(try Self.train(config: Self.config(), extra: ["--set", "model.layers.5.p=0.3"], directory: directory),
                         ["--set model.layers.5.p"])
        Self.expectError(try Self.train(config: Self.config(), extra: ["--epochs", "zero"]), ["--epochs", "zero"])
        Self.expectError(try Self.train(config: Self.config(), extra: ["--threds", "2"]), ["--threds", "did you mean --threads"])
        Self.expectError(try CLI.run(["train"]), ["CONFIG.json"])
        Self.expectError(try CLI.run(["train", "/nonexistent/config.json"]), ["/nonexistent/config.json"])
        Self.expectError(try Self.train(config: Self.config(), extra: ["--set", "solver.optimizer.lr=-1"]),
                         ["solver.optimizer.lr"])
    }

    @Test func missingAndMalformedCSV() throws {
        let directory = TestPaths.temporaryDirectory()
        func csv(_ text: String, label: String = "y") throws -> CLI.Output {
            try text.write(toFile: directory + "/data.csv", atomically: true, encoding: .utf8)
            let data = "{\"format\": \"csv\", \"path\": \"data.csv\", \"label\": \"\(label)\"}"
            return try Self.train(config: Self.config(data: data, layers: "[{\"type\": \"linear\", \"out\": 2}]"),
                                  directory: directory)
        }
        Self.expectError(try Self.train(config: Self.config(data: "{\"format\": \"csv\", \"path\": \"missing.csv\", \"label\": \"y\"}"),
                                        directory: directory), ["missing.csv"])
        Self.expectError(try csv("a,b,y\n1,2,0\n3,4\n5,6,1\n"), ["data.csv:3"])
        Self.expectError(try csv("a,b,y\n1,2,0\n3,x7,1\n"), ["data.csv:3:3", "'x7'", "'b'"])
        Self.expectError(try csv("a,b,label\n1,2,0\n3,4,1\n", label: "lable"), ["lable", "label"])
    }

    @Test func malformedIDX() throws {
        let directory = TestPaths.temporaryDirectory()
        func idx(images: [UInt8], labels: [UInt8]) throws -> CLI.Output {
            try Data(images).write(to: URL(fileURLWithPath: directory + "/images.idx"))
            try Data(labels).write(to: URL(fileURLWithPath: directory + "/labels.idx"))
            let data = "{\"format\": \"idx\", \"images\": \"images.idx\", \"labels\": \"labels.idx\"}"
            return try Self.train(config: Self.config(data: data, layers: "[{\"type\": \"flatten\"}, {\"type\": \"linear\", \"out\": 10}]"),
                                  directory: directory)
        }
        let header: [UInt8] = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]
        let labels: [UInt8] = [0, 0, 8, 1, 0, 0, 0, 2, 3, 4]
        Self.expectError(try idx(images: [0, 0, 8, 1] + header.dropFirst(4) + Array(repeating: 1, count: 8), labels: labels),
                         ["images.idx", "magic"])
        Self.expectError(try idx(images: header + [1, 2, 3], labels: labels), ["images.idx", "byte"])
        Self.expectError(try idx(images: header + Array(repeating: 1, count: 8), labels: [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3]),
                         ["images.idx", "labels.idx", "2", "3"])
    }

    @Test func corruptTruncatedAndMismatchedCheckpoints() throws {
        let directory = TestPaths.temporaryDirectory()
        let good = try Self.train(config: Self.config(layers: "[{\"type\": \"linear\", \"out\": 8}, {\"type\": \"relu\"}, {\"type\": \"linear\", \"out\": 3}]"),
                                  directory: directory)
        #expect(good.status == 0, "\(good.stderr)")
        let checkpoint = directory + "/run/last.safetensors"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: checkpoint))

        try bytes.prefix(bytes.count - 10).write(to: URL(fileURLWithPath: directory + "/truncated.safetensors"))
        Self.expectError(try CLI.run(["eval", directory + "/truncated.safetensors"]), ["truncated.safetensors"])
        var corrupt = bytes
        corrupt[12] = 0x7B  // '{' inside the header: no longer valid JSON
        corrupt[13] = 0x7B
        try corrupt.write(to: URL(fileURLWithPath: directory + "/corrupt.safetensors"))
        Self.expectError(try CLI.run(["eval", directory + "/corrupt.safetensors"]), ["corrupt.safetensors"])
        Self.expectError(try CLI.run(["eval", directory + "/none.safetensors"]), ["none.safetensors"])

        // A checkpoint of one model as init_from of another: the tensor and both shapes.
        let other = TestPaths.temporaryDirectory()
        let mismatch = try Self.train(config: Self.config(layers: "[{\"type\": \"linear\", \"out\": 5}, {\"type\": \"relu\"}, {\"type\": \"linear\", \"out\": 3}]",
                                                          solver: "{\"epochs\": 1, \"init_from\": \"\(checkpoint)\", \"optimizer\": {\"type\": \"sgd\"}}"),
                                      directory: other)
        Self.expectError(mismatch, ["tensor '0.weight'", "[8, 4]", "[5, 4]"])
        // The checkpoint it read is untouched.
        #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == bytes)
    }
}

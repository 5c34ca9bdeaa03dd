import Foundation
import Testing
@testable import DNN

/// The library product `DNN` as a Swift program uses it: `Examples/PredictWithDNN` (the
/// program the README shows) is built as a separate package that depends on this one by
/// path, and its predictions equal `dnn predict`'s.
@Suite(.serialized) struct SwiftLibraryTests {
    /// The `swift` driver that runs these tests, or the one on PATH.
    static var swift: String? {
        let candidates = [ProcessInfo.processInfo.environment["SWIFT_EXEC"].map { URL(fileURLWithPath: $0)
            .deletingLastPathComponent().appendingPathComponent("swift").path }, "/usr/bin/swift"]
            .compactMap { $0 }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/swift"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    @Test(.enabled(if: swift != nil, "no swift driver on PATH: the library example is not built"))
    func theExampleProgramPredictsWhatDnnPredictPrints() throws {
        let directory = TestPaths.temporaryDirectory()
        let run = directory + "/run"
        let train = try CLI.run(["train", TestPaths.packageRoot + "/configs/penguins.json", "--out", run, "--epochs", "2",
                                 "--quiet"])
        #expect(train.status == 0, "\(train.stderr)")
        // The package is named by its folder when depended on by path: link it as `dnn`.
        let package = directory + "/PredictWithDNN"
        try FileManager.default.createSymbolicLink(atPath: directory + "/dnn", withDestinationPath: TestPaths.packageRoot)
        try FileManager.default.copyItem(atPath: TestPaths.packageRoot + "/Examples/PredictWithDNN", toPath: package)
        let manifest = try String(contentsOfFile: package + "/Package.swift", encoding: .utf8)
            .replacingOccurrences(of: ".package(path: \"../..\")", with: ".package(path: \"../dnn\")")
        try manifest.write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
        let build = try CLI.run(["build", "--package-path", package, "--scratch-path", directory + "/build"],
                                executable: Self.swift!)
        #expect(build.status == 0, "\(build.stdout)\n\(build.stderr)")
        let data = TestPaths.packageRoot + "/data/penguins.csv"
        let program = try CLI.run([run + "/best.safetensors", data], executable: directory + "/build/debug/PredictWithDNN")
        #expect(program.status == 0, "\(program.stderr)")
        let command = try CLI.run(["predict", run + "/best.safetensors", data, "--probabilities"])
        #expect(command.status == 0, "\(command.stderr)")
        // dnn predict: index,predicted,label,p_...; the program: predicted,p_...
        let expected = command.stdout.split(separator: "\n").dropFirst().map { line -> String in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return ([fields[1]] + fields.dropFirst(3)).joined(separator: ",")
        }
        let lines = program.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 344 && lines == expected)
    }
}

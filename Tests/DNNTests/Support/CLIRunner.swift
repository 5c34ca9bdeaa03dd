import Foundation

/// Runs the built `dnn` executable, as a user's shell would.
enum CLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The `dnn` binary next to the test bundle (`swift build` puts both in one folder):
    /// `DNN_BINARY` when set, else the first folder above the test binary (Linux) or the
    /// `.xctest` bundle (macOS) that holds `dnn`, else the package's own `.build` folder.
    static let executable: String = {
        if let named = ProcessInfo.processInfo.environment["DNN_BINARY"], !named.isEmpty { return named }
        for start in testBinaryLocations() {
            var folder = start.deletingLastPathComponent()
            while folder.path != "/" && folder.path.count > 1 {
                let candidate = folder.appendingPathComponent("dnn").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                folder = folder.deletingLastPathComponent()
            }
        }
        #if DEBUG
        let configuration = "debug"
        #else
        let configuration = "release"
        #endif
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/\(configuration)/dnn").path
    }()

    /// Where the running test binary may be, most precise first.
    private static func testBinaryLocations() -> [URL] {
        var locations: [URL] = []
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            locations.append(URL(fileURLWithPath: path))
        }
        #endif
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            locations.append(URL(fileURLWithPath: bundle.bundlePath).appendingPathComponent("dnn"))
        }
        locations.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        return locations
    }

    /// Runs `dnn arguments...` (or another `executable`) in `directory` and waits for it;
    /// `environment` adds variables to the test's own.
    @discardableResult
    static func run(_ arguments: [String], in directory: String? = nil, executable: String = CLI.executable,
                    environment: [String: String] = [:]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a chatty child never blocks on a full pipe.
        let errData = UncheckedBox<Data>()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.value = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.value ?? Data(), as: UTF8.self))
    }
}

extension CLI {
    /// Starts `dnn arguments...` (or another `executable`) and returns it, with its stderr
    /// pipe and what it has printed there, once that contains `marker` (or it has ended).
    static func start(_ arguments: [String], executable: String = CLI.executable, environment: [String: String] = [:],
                      until marker: String) throws -> (process: Process, stderr: Pipe, printed: Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains(marker) && process.isRunning {
            printed += err.fileHandleForReading.availableData
        }
        return (process, err, printed)
    }
}

/// A mutable cell written by one thread and read after it finished.
final class UncheckedBox<Value>: @unchecked Sendable {
    var value: Value?
}

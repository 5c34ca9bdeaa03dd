/// Every error `dnn` reports: what is wrong and where.
///
/// The library throws these and never exits; the CLI prints `description` and maps
/// `kind` to an exit code (training failures 1, everything else 2).
public struct DNNError: Error, CustomStringConvertible, Equatable {
    /// What went wrong, which decides the exit code.
    public enum Kind: String, Sendable {
        /// Bad command-line usage.
        case usage
        /// The config: a JSON syntax error, an unknown key, a wrong type or value.
        case config
        /// A data file (CSV, IDX): its format or contents.
        case data
        /// A checkpoint file: its format, or tensors that do not fit the model.
        case checkpoint
        /// A file that cannot be read or written.
        case io
        /// Training itself failed, e.g. the loss became NaN.
        case training
    }

    public var kind: Kind
    /// Where: a JSON path (`model.layers[3].p`), `file:line:column`, `file: byte 16`, a flag.
    public var location: String?
    /// What is wrong, as one sentence without a trailing period.
    public var message: String
    /// A suggestion for the fix, when there is one.
    public var hint: String?

    public init(_ kind: Kind, at location: String? = nil, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// 1 when training failed, 2 for bad usage, config, data or checkpoints.
    public var exitCode: Int32 { kind == .training ? 1 : 2 }

    /// `location: message (hint)`.
    public var description: String {
        var text = location.map { "\($0): \(message)" } ?? message
        if let hint { text += " (\(hint))" }
        return text
    }

    /// A config error at a JSON path.
    public static func config(_ path: String, _ message: String, hint: String? = nil) -> DNNError {
        DNNError(.config, at: path.isEmpty ? "config" : path, message, hint: hint)
    }

    /// A data error in a file, at a line and column when known (both 1-based).
    public static func data(_ file: String, line: Int? = nil, column: Int? = nil, _ message: String,
                            hint: String? = nil) -> DNNError {
        var location = file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return DNNError(.data, at: location, message, hint: hint)
    }
}

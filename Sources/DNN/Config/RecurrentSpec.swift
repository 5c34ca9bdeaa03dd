/// The hyperparameters of an `lstm` or `gru` layer: `nn.LSTM` / `nn.GRU` with
/// `batch_first=True` on samples [T, F].
public struct RecurrentSpec: Equatable, Sendable {
    /// Which recurrence: LSTM (gates i, f, g, o) or GRU (gates r, z, n).
    public enum Cell: String, Sendable {
        case lstm, gru

        /// Gate blocks in a weight: 4 for LSTM, 3 for GRU (PyTorch's `gate_size / hidden`).
        public var gates: Int { self == .lstm ? 4 : 3 }
    }

    public var cell: Cell
    /// Units of the hidden state per direction (JSON `hidden`).
    public var hidden: Int
    /// Stacked recurrent layers (JSON `layers`, 1); layer l > 0 reads layer l - 1's sequence.
    public var layers: Int
    /// A second recurrence that reads the sequence backwards (JSON `bidirectional`, false).
    public var bidirectional: Bool
    /// JSON `return`: "sequence" gives [T, D·H]; "last" (the default) gives the top
    /// layer's final hidden state, both directions concatenated, [D·H].
    public var returnsSequence: Bool

    public init(cell: Cell, hidden: Int, layers: Int = 1, bidirectional: Bool = false, returnsSequence: Bool = false) {
        self.cell = cell
        self.hidden = hidden
        self.layers = layers
        self.bidirectional = bidirectional
        self.returnsSequence = returnsSequence
    }

    /// 1 or 2.
    public var directions: Int { bidirectional ? 2 : 1 }

    static func decode(_ object: ConfigObject, cell: Cell) throws -> RecurrentSpec {
        RecurrentSpec(cell: cell, hidden: try object.int("hidden", minimum: 1),
                      layers: try object.int("layers", default: 1, minimum: 1),
                      bidirectional: try object.bool("bidirectional", default: false),
                      returnsSequence: try object.choice("return", default: "last", options: ["last", "sequence"]) == "sequence")
    }
}

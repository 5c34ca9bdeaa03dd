/// What `dnn train` reports as it goes: the trainer calls these, a console reporter
/// (`ProgressReporter`) or a test decides what to show.
public protocol TrainingObserver: AnyObject {
    /// After every training iteration.
    func iteration(_ progress: IterationProgress)
    /// After each epoch, with its metrics row.
    func epochEnded(_ metrics: EpochMetrics, totalEpochs: Int)
    /// Anything worth a line: the run directory, warnings, early stopping.
    func note(_ message: String)
}

/// Where an epoch stands after one iteration: the running means of the epoch so far.
public struct IterationProgress: Sendable {
    public var epoch: Int
    public var totalEpochs: Int
    /// 1-based, of `iterations` in this epoch.
    public var iteration: Int
    public var iterations: Int
    public var loss: Double
    /// nil for regression.
    public var accuracy: Double?
    public var samplesPerSecond: Double
    /// Seconds since the epoch began.
    public var epochSeconds: Double
    /// Whether this is a `print_every` iteration.
    public var lineDue: Bool

    public init(epoch: Int, totalEpochs: Int, iteration: Int, iterations: Int, loss: Double, accuracy: Double?,
                samplesPerSecond: Double, epochSeconds: Double, lineDue: Bool) {
        self.epoch = epoch
        self.totalEpochs = totalEpochs
        self.iteration = iteration
        self.iterations = iterations
        self.loss = loss
        self.accuracy = accuracy
        self.samplesPerSecond = samplesPerSecond
        self.epochSeconds = epochSeconds
        self.lineDue = lineDue
    }

    /// Seconds left in this epoch at the current pace.
    public var epochSecondsLeft: Double {
        iteration == 0 ? 0 : epochSeconds / Double(iteration) * Double(iterations - iteration)
    }
}

import Foundation

/// The learning rate of every epoch: `solver.warmup` (PyTorch's `LinearLR`) and then
/// `solver.lr_schedule`, chained as `SequentialLR([LinearLR, schedule], milestones=[k])`.
///
/// PyTorch's schedulers are recursive: each step multiplies or adjusts the CURRENT rate,
/// so the sequence carries their rounding. `nextRate` repeats their formulas step for
/// step (not the closed forms) so that the rates agree with PyTorch's to the last bits
/// (`ScheduleFixtureTests`). At the warmup's end SequentialLR restarts the schedule with
/// `_update_lr(0)`, its closed form at epoch 0, which is the base rate for every type.
/// `ReduceLROnPlateau` cannot sit in a SequentialLR; after warmup it starts from the rate
/// LinearLR's last step reaches (the base rate up to rounding) and sees epochs k+1, ...
public struct LearningRateSchedule: Sendable {
    /// The optimizer's `lr`.
    public let baseRate: Double
    public let warmup: WarmupConfig?
    public let schedule: LRScheduleConfig?
    public let monitor: Monitor

    /// `ReduceLROnPlateau`'s bookkeeping, saved with the training state.
    public struct PlateauState: Sendable, Equatable {
        /// The best monitored value so far (±infinity before the first).
        public var best: Double
        public var badEpochs = 0
        public var cooldownCounter = 0

        public init(best: Double) {
            self.best = best
        }
    }

    public init(baseRate: Double, warmup: WarmupConfig?, schedule: LRScheduleConfig?, monitor: Monitor) {
        self.baseRate = baseRate
        self.warmup = warmup
        self.schedule = schedule
        self.monitor = monitor
    }

    /// The schedule a solver config describes (`lr_decay: g` as `exponential(g)`).
    public init(solver: SolverConfig) {
        self.init(baseRate: solver.optimizer.learningRate, warmup: solver.warmup, schedule: solver.effectiveSchedule,
                  monitor: solver.monitor)
    }

    /// The plateau state before the first epoch: no best value yet.
    public var initialPlateau: PlateauState {
        PlateauState(best: monitor.higherIsBetter ? -Double.infinity : Double.infinity)
    }

    /// Whether the schedule needs a monitored value after every epoch.
    public var needsMonitor: Bool {
        if case .plateau = schedule { return true }
        return false
    }

    /// The rate of epoch 1: `lr · start_factor` with warmup (LinearLR's first rate), else `lr`.
    public var firstRate: Double {
        warmup.map { baseRate * $0.startFactor } ?? baseRate
    }

    /// The rate of epoch `epoch + 1`, after epoch `epoch` (from 1) ran at `rate`;
    /// `value` is that epoch's monitored value (used by `plateau` only).
    public func nextRate(after epoch: Int, rate: Double, value: Double?, plateau: inout PlateauState) -> Double {
        let k = warmup?.epochs ?? 0
        // Without a schedule (or with plateau) LinearLR runs alone up to its last step.
        if let warmup, epoch < k || (epoch == k && (needsMonitor || schedule == nil)) {
            return Self.linearStep(rate, epoch: epoch, warmup: warmup)
        }
        guard let schedule else { return rate }
        if epoch == k { return closedFormAtZero(schedule) }
        return Self.step(schedule, rate: rate, epoch: epoch - k, base: baseRate, value: value, monitor: monitor,
                         plateau: &plateau)
    }

    /// LinearLR's recursive step to `last_epoch = epoch` (end factor 1).
    static func linearStep(_ rate: Double, epoch: Int, warmup: WarmupConfig) -> Double {
        let f = warmup.startFactor
        return rate * (1.0 + (1.0 - f) / (Double(warmup.epochs) * f + Double(epoch - 1) * (1.0 - f)))
    }

    /// `_get_closed_form_lr()` at `last_epoch = 0`: what SequentialLR sets at its milestone.
    private func closedFormAtZero(_ schedule: LRScheduleConfig) -> Double {
        switch schedule {
        case .cosine(_, let etaMin): etaMin + (baseRate - etaMin) * (1 + cos(0.0)) / 2
        case .step, .multistep, .exponential, .plateau: baseRate
        }
    }

    /// One `scheduler.step()` of the schedule, to its `last_epoch = s` (s ≥ 1).
    static func step(_ schedule: LRScheduleConfig, rate: Double, epoch s: Int, base: Double, value: Double?,
                     monitor: Monitor, plateau: inout PlateauState) -> Double {
        switch schedule {
        case .step(let stepSize, let gamma):
            return s % stepSize == 0 ? rate * gamma : rate
        case .multistep(let milestones, let gamma):
            let hits = milestones.filter { $0 == s }.count
            return hits == 0 ? rate : rate * pow(gamma, Double(hits))
        case .exponential(let gamma):
            return rate * gamma
        case .cosine(let tMax, let etaMin):
            let t = Double(tMax)
            if ((s - 1 - tMax) % (2 * tMax) + 2 * tMax) % (2 * tMax) == 0 {
                return rate + (base - etaMin) * (1 - cos(Double.pi / t)) / 2
            }
            return (1 + cos(Double.pi * Double(s) / t)) / (1 + cos(Double.pi * Double(s - 1) / t)) * (rate - etaMin) + etaMin
        case .plateau(let factor, let patience, let threshold, let cooldown, let minLR):
            guard let value else { return rate }
            return plateauStep(rate, value: value, higherIsBetter: monitor.higherIsBetter, factor: factor,
                               patience: patience, threshold: threshold, cooldown: cooldown, minLR: minLR,
                               state: &plateau)
        }
    }

    /// `ReduceLROnPlateau.step(value)` with `threshold_mode="rel"` and its `eps` 1e-8
    /// (a reduction smaller than that is skipped).
    static func plateauStep(_ rate: Double, value: Double, higherIsBetter: Bool, factor: Double, patience: Int,
                            threshold: Double, cooldown: Int, minLR: Double, state: inout PlateauState) -> Double {
        let better = higherIsBetter ? value > state.best * (threshold + 1.0) : value < state.best * (1.0 - threshold)
        if better {
            state.best = value
            state.badEpochs = 0
        } else {
            state.badEpochs += 1
        }
        if state.cooldownCounter > 0 {
            state.cooldownCounter -= 1
            state.badEpochs = 0
        }
        var next = rate
        if state.badEpochs > patience {
            let reduced = Swift.max(rate * factor, minLR)
            if rate - reduced > 1e-8 { next = reduced }
            state.cooldownCounter = cooldown
            state.badEpochs = 0
        }
        return next
    }
}

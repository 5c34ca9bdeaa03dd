import Testing
@testable import DNN

/// Every `solver.lr_schedule` type, with and without `solver.warmup`, against the rates
/// PyTorch's own schedulers produce (fixture: schedules.json, written by
/// tools/make_schedule_fixtures.py): the rate of each epoch, as metrics.jsonl's `lr`.
@Suite struct ScheduleFixtureTests {
    static let cases = (try? Fixtures.cases("schedules.json")) ?? []
    static let names = cases.compactMap { $0["name"]?.stringValue }

    @Test("epoch rates match torch.optim.lr_scheduler", arguments: names)
    func rates(name: String) throws {
        let fixture = try #require(Self.cases.first { $0["name"]?.stringValue == name })
        let decoder = ConfigDecoder(baseDirectory: "/")
        let schedule = try decoder.lrSchedule(try #require(fixture["schedule"]), at: "lr_schedule").0
        let warmup = try fixture["warmup"].flatMap { $0.isNull ? nil : $0 }.map { try decoder.warmup($0, at: "warmup").0 }
        let monitor: Monitor = fixture["mode"]?.stringValue == "min" ? .validationLoss : .validationAccuracy
        let values = fixture["monitor_values"]?.array?.compactMap(\.double)
        let expectedJSON = try #require(fixture["expected_lr"]?.array)
        let expected = expectedJSON.compactMap(\.double)
        let lr = try #require(fixture["lr"]?.double)
        let plan = LearningRateSchedule(baseRate: lr, warmup: warmup, schedule: schedule, monitor: monitor)
        var plateau = plan.initialPlateau
        var rate = plan.firstRate
        var worst = 0.0
        for (index, want) in expected.enumerated() {
            worst = Swift.max(worst, abs(rate - want) / Swift.max(abs(want), 1e-300))
            rate = plan.nextRate(after: index + 1, rate: rate, value: values?[index], plateau: &plateau)
        }
        #expect(worst <= 1e-12, "\(name): largest relative difference \(worst)")
    }

    @Test("lr_decay is shorthand for exponential, and giving both is an error")
    func decayShorthand() throws {
        let solver = SolverConfig(epochs: 3, lrDecay: 0.5, optimizer: .sgd(lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0))
        #expect(solver.effectiveSchedule == .exponential(gamma: 0.5))
        let error = ConfigFixtures.error(ConfigFixtures.config(
            solver: #"{"epochs": 1, "lr_decay": 0.9, "lr_schedule": {"type": "step", "step_size": 2}, "optimizer": {"type": "sgd"}}"#))
        #expect(error?.location == "solver.lr_decay")
        #expect(error?.description.contains("solver.lr_decay and solver.lr_schedule") == true)
    }

    @Test func cosineTMaxDefaultsToTheEpochsAfterWarmup() throws {
        let F = ConfigFixtures.self
        let (config, _) = try F.decode(F.config(solver: #"{"epochs": 10, "warmup": {"epochs": 3}, "lr_schedule": {"type": "cosine"}, "optimizer": {"type": "sgd"}}"#))
        #expect(config.solver.lrSchedule == .cosine(tMax: 7, etaMin: 0))
        #expect(config.resolvedJSON["solver"]?["lr_schedule"] == ["type": "cosine", "t_max": 7, "eta_min": 0.0])
        #expect(config.solver.warmup == WarmupConfig(epochs: 3, startFactor: 1.0 / 3.0))
        let (plain, _) = try F.decode(F.config(solver: #"{"epochs": 4, "lr_schedule": {"type": "cosine"}, "optimizer": {"type": "sgd"}}"#))
        #expect(plain.solver.lrSchedule == .cosine(tMax: 4, etaMin: 0))
    }

    @Test("schedule keys are checked per type, with did-you-mean")
    func scheduleErrors() {
        let F = ConfigFixtures.self
        let unknown = F.error(F.config(solver: #"{"epochs": 1, "lr_schedule": {"type": "step", "step_size": 2, "t_max": 3}, "optimizer": {"type": "sgd"}}"#))
        #expect(unknown?.location == "solver.lr_schedule.t_max")
        let type = F.error(F.config(solver: #"{"epochs": 1, "lr_schedule": {"type": "cosin"}, "optimizer": {"type": "sgd"}}"#))
        #expect(type?.location == "solver.lr_schedule.type")
        #expect(type?.hint?.contains("cosine") == true)
        let milestones = F.error(F.config(solver: #"{"epochs": 1, "lr_schedule": {"type": "multistep", "milestones": [5, 3]}, "optimizer": {"type": "sgd"}}"#))
        #expect(milestones?.description == "solver.lr_schedule.milestones[1]: milestones must increase, got 3 after 5")
        let factor = F.error(F.config(solver: #"{"epochs": 1, "warmup": {"epochs": 2, "start_factor": 0}, "optimizer": {"type": "sgd"}}"#))
        #expect(factor?.description == "solver.warmup.start_factor: must be in (0, 1], got 0")
        let monitor = F.error(F.config(solver: #"{"epochs": 1, "monitor": "val_acc", "optimizer": {"type": "sgd"}}"#))
        #expect(monitor?.location == "solver.monitor")
    }

    /// `rates` passes vacuously without cases: guard their count.
    @Test("fixture file is present") func fixturesLoaded() {
        #expect(Self.cases.count >= 14)
    }
}

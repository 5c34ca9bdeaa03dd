#!/usr/bin/env python3
"""Write Tests/DNNTests/Fixtures/schedules.json: the learning rates PyTorch's own
schedulers produce, epoch by epoch, for every `solver.lr_schedule` type of dnn, with
and without `solver.warmup`.

    python3 tools/make_schedule_fixtures.py [--out Tests/DNNTests/Fixtures]

Each case runs a real torch.optim.SGD with the scheduler stepped once per epoch, as
dnn's trainer does, and records `optimizer.param_groups[0]["lr"]` DURING each epoch
(the `lr` of metrics.jsonl). Warmup is LinearLR(start_factor=f, end_factor=1,
total_iters=k) followed by the schedule in SequentialLR(milestones=[k]). `plateau`
(ReduceLROnPlateau) takes a recorded series of monitor values; PyTorch's SequentialLR
cannot hold it, so with warmup the plateau case is LinearLR for k epochs and then
ReduceLROnPlateau stepped from epoch k+1 on (what dnn documents).
CI never runs this: the fixture is committed.
"""

import argparse
import json
import math
import os
import warnings

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LR = 0.1
EPOCHS = 14


def make_scheduler(opt, spec):
    t = spec["type"]
    if t == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=spec["step_size"], gamma=spec.get("gamma", 0.1))
    if t == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(opt, milestones=spec["milestones"], gamma=spec.get("gamma", 0.1))
    if t == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(opt, gamma=spec["gamma"])
    if t == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["t_max"], eta_min=spec.get("eta_min", 0.0))
    raise ValueError(t)


def plateau(opt, spec, mode):
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode=mode, factor=spec.get("factor", 0.1), patience=spec.get("patience", 10),
        threshold=spec.get("threshold", 1e-4), threshold_mode="rel", cooldown=spec.get("cooldown", 0),
        min_lr=spec.get("min_lr", 0.0))


def run_case(name, spec, warmup=None, monitor=None, mode="max", epochs=EPOCHS):
    param = torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))
    opt = torch.optim.SGD([param], lr=LR)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if spec["type"] == "plateau":
            k = warmup["epochs"] if warmup else 0
            linear = (torch.optim.lr_scheduler.LinearLR(opt, start_factor=warmup["start_factor"], total_iters=k)
                      if warmup else None)
            sched = None
            for epoch in range(1, epochs + 1):
                lrs.append(opt.param_groups[0]["lr"])
                if epoch < k:
                    linear.step()
                elif epoch == k:
                    linear.step()  # reaches the base rate: the plateau scheduler starts from it
                    sched = plateau(opt, spec, mode)
                else:
                    if sched is None:
                        sched = plateau(opt, spec, mode)
                    sched.step(monitor[epoch - 1])
        else:
            main = make_scheduler(opt, spec)
            if warmup:
                linear = torch.optim.lr_scheduler.LinearLR(opt, start_factor=warmup["start_factor"],
                                                           total_iters=warmup["epochs"])
                sched = torch.optim.lr_scheduler.SequentialLR(opt, [linear, main], milestones=[warmup["epochs"]])
            else:
                sched = main
            for _ in range(epochs):
                lrs.append(opt.param_groups[0]["lr"])
                opt.step()
                sched.step()
    case = {"name": name, "lr": LR, "epochs": epochs, "schedule": spec, "warmup": warmup, "expected_lr": lrs}
    if monitor is not None:
        case["monitor_values"] = monitor[:epochs]
        case["mode"] = mode
    return case


def cases():
    # A validation accuracy that improves, stalls (some changes below the 1e-4 relative
    # threshold), then improves again; and a loss that does the same downwards.
    accuracy = [0.50, 0.60, 0.65, 0.65, 0.65002, 0.64, 0.66, 0.66, 0.66, 0.66, 0.66001, 0.70, 0.70, 0.70,
                0.70, 0.70, 0.70, 0.70, 0.70, 0.70]
    loss = [1.0, 0.8, 0.7, 0.7, 0.69995, 0.71, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    out = []
    specs = [
        ("step", {"type": "step", "step_size": 3, "gamma": 0.5}),
        ("multistep", {"type": "multistep", "milestones": [2, 5, 9], "gamma": 0.3}),
        ("exponential", {"type": "exponential", "gamma": 0.9}),
        ("cosine", {"type": "cosine", "t_max": EPOCHS, "eta_min": 0.0}),
        ("cosine_eta_min", {"type": "cosine", "t_max": 10, "eta_min": 0.001}),
    ]
    warm = {"epochs": 3, "start_factor": 0.1}
    for name, spec in specs:
        out.append(run_case(name, spec))
        w_spec = dict(spec)
        if spec["type"] == "cosine" and spec["t_max"] == EPOCHS:
            w_spec["t_max"] = EPOCHS - warm["epochs"]
        out.append(run_case(name + "_warmup", w_spec, warmup=warm))
    plat = {"type": "plateau", "factor": 0.5, "patience": 2, "threshold": 1e-4, "cooldown": 1, "min_lr": 0.004}
    out.append(run_case("plateau_accuracy", plat, monitor=accuracy, mode="max", epochs=20))
    out.append(run_case("plateau_loss", plat, monitor=loss, mode="min", epochs=20))
    out.append(run_case("plateau_loss_warmup", plat, warmup=warm, monitor=loss, mode="min", epochs=20))
    out.append(run_case("plateau_defaults", {"type": "plateau"}, monitor=[1.0] * 20, mode="min", epochs=20))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "DNNTests", "Fixtures"))
    args = parser.parse_args()
    doc = {"generator": "tools/make_schedule_fixtures.py", "torch": torch.__version__, "cases": cases()}
    with open(os.path.join(args.out, "schedules.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate the PyTorch golden runs of regression training for dnn's Swift tests.

    python3 tools/make_regression_fixtures.py [--out Tests/DNNTests/Fixtures]

Writes regression_training.json: per case a tiny MLP's initial weights, a small batch of
features and two target columns far from mean 0 and std 1, the targets standardised as
`data.normalize_target: "standardize"` does (per column, mean and population std over the
rows), a few epochs of batches in file order with mse, huber or l1 (nn.MSELoss,
nn.HuberLoss, nn.L1Loss, mean over all elements) and SGD or Adam, then every step's loss
(on the standardised targets), the final weights, and the final model's MAE, RMSE and R²
in the targets' original units (R² per column, averaged: sklearn's r2_score default).

Float64 throughout, seeded, full double precision, as tools/make_fixtures.py writes its
fixtures (and with its helpers from tools/dnn_torch.py and its optimizer mapping). CI never
runs this: the fixture is committed. GoldenRunTests' regression suite
(RegressionGoldenRunTests) replays it in Double and Float.
"""

import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnn_torch import DTYPE, build_torch_model, randomize_, reg_weights, state_json, tensor_json  # noqa: E402
from make_fixtures import fixtures_folder, torch_optimizer, write  # noqa: E402

GENERATOR = "tools/make_regression_fixtures.py"
LOSSES = {"mse": lambda o: nn.MSELoss(), "l1": lambda o: nn.L1Loss(),
          "huber": lambda o: nn.HuberLoss(delta=o.get("delta", 1.0))}


def errors(prediction, target):
    """MAE and RMSE over all values, R² per column averaged, in the units given."""
    d = prediction - target
    total = ((target - target.mean(0)) ** 2).sum(0)
    r2 = (1 - (d ** 2).sum(0) / total).mean()
    return {"mae": d.abs().mean().item(), "rmse": (d ** 2).mean().sqrt().item(), "r2": r2.item()}


def regression_case(name, loss, optimizer, seed, n=12, batch_size=4, epochs=3, reg=0.0):
    layers = [{"type": "linear", "out": 6}, {"type": "tanh"}, {"type": "linear", "out": 2}]
    torch.manual_seed(seed)
    model = build_torch_model(layers, [5])
    randomize_(model)
    features = torch.randn(n, 5, dtype=DTYPE)
    # Two targets on their own scales, with a nonlinear part: 10 ± 3 and -50 ± 20.
    targets = torch.stack([10 + 3 * torch.sin(features[:, 0]) + features[:, 1] ** 2,
                           -50 + 20 * features[:, 2] * features[:, 3]], dim=1)
    mean = targets.mean(0)
    std = targets.std(0, unbiased=False)
    standardized = (targets - mean) / std
    initial = state_json(model)
    opt = torch_optimizer(optimizer, list(model.parameters()))
    criterion = LOSSES[loss["type"]](loss)
    model.train()
    losses = []
    for _ in range(epochs):
        for start in range(0, n, batch_size):  # shuffle off, drop_last off
            opt.zero_grad()
            data_loss = criterion(model(features[start:start + batch_size]), standardized[start:start + batch_size])
            total = data_loss + 0.5 * reg * sum((w * w).sum() for w in reg_weights(model)) if reg else data_loss
            total.backward()
            opt.step()
            losses.append(data_loss.item())
    model.eval()
    with torch.no_grad():
        output = model(features)
        eval_loss = criterion(output, standardized).item()
        original = errors(output * std + mean, targets)
    return {
        "name": name,
        "layers": layers,
        "input_shape": [5],
        "loss": loss,
        "solver": {"batch_size": batch_size, "epochs": epochs, "shuffle": False, "optimizer": optimizer, "reg": reg},
        "features": tensor_json(features),
        "targets": tensor_json(targets),
        "target_mean": mean.tolist(),
        "target_std": std.tolist(),
        "initial_state": initial,
        "losses": losses,
        "final_state": state_json(model),
        # eval mode on the same rows: the loss on standardised targets; errors in original units
        "final_eval": {"loss": eval_loss, **original},
    }


def regression_cases():
    return [
        regression_case("mse_sgd_momentum_reg", {"type": "mse"}, {"type": "sgd", "lr": 0.05, "momentum": 0.9}, 701,
                        reg=0.01),
        regression_case("huber_adam", {"type": "huber", "delta": 0.5}, {"type": "adam", "lr": 0.02}, 702),
        regression_case("l1_adam", {"type": "l1"}, {"type": "adam", "lr": 0.02}, 703),
    ]


def main():
    out = fixtures_folder(__doc__.splitlines()[0])
    header = {"generator": GENERATOR, "torch": torch.__version__}
    write(os.path.join(out, "regression_training.json"), {**header, "cases": regression_cases()})


if __name__ == "__main__":
    main()

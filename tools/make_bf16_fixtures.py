#!/usr/bin/env python3
"""Generate bf16_training.json: training steps with `precision: "bf16"` for dnn's tests.

    python3 tools/make_bf16_fixtures.py [--out Tests/DNNTests/Fixtures]

Each case is a small network trained for a few steps (batches in file order) twice:

- "losses" / "final_state": dnn's bf16 semantics computed in float64: every linear and
  conv product multiplies operands rounded to bfloat16 (torch's round to nearest even),
  in the forward pass and in both backward products (dx from the rounded dy and W, dW
  from the rounded dy and x); everything else (bias, batchnorm, activations, loss,
  optimizer) in float64. dnn's Float run must agree to float32 rounding.
- "autocast": PyTorch itself, `torch.autocast("cpu", dtype=torch.bfloat16)` around the
  forward pass of a float32 model: the loss and state after one plain SGD step. Autocast
  also stores each product's output in bfloat16, which dnn keeps in float32, so the two
  differ by about bfloat16's precision (2^-8), not more.

CI never runs this; the fixture is committed.
"""

import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnn_torch import DTYPE, build_torch_model, randomize_, state_json, tensor_json  # noqa: E402
from make_fixtures import torch_optimizer, write  # noqa: E402

GENERATOR = "tools/make_bf16_fixtures.py"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUTOCAST_OPTIMIZER = {"type": "sgd", "lr": 0.1}


def bf(t):
    """`t` rounded to bfloat16 (nearest even) and back to its own dtype."""
    return t.to(torch.bfloat16).to(t.dtype)


class RoundedLinear(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.no_bias = b is None
        y = bf(x) @ bf(w).T
        return y if b is None else y + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return bf(g) @ bf(w), bf(g).T @ bf(x), None if ctx.no_bias else g.sum(0)


class RoundedConv(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w, b, stride, padding):
        ctx.save_for_backward(x, w)
        ctx.geometry = (stride, padding)
        ctx.no_bias = b is None
        return F.conv2d(bf(x), bf(w), b, stride=stride, padding=padding)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding = ctx.geometry
        gx = torch.nn.grad.conv2d_input(x.shape, bf(w), bf(g), stride=stride, padding=padding)
        gw = torch.nn.grad.conv2d_weight(bf(x), w.shape, bf(g), stride=stride, padding=padding)
        return gx, gw, None if ctx.no_bias else g.sum((0, 2, 3)), None, None


def round_products_(model):
    """Makes every Linear and Conv2d of `model` multiply bf16-rounded operands."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.forward = lambda x, m=module: RoundedLinear.apply(x, m.weight, m.bias)
        elif isinstance(module, nn.Conv2d):
            module.forward = lambda x, m=module: RoundedConv.apply(x, m.weight, m.bias, m.stride, m.padding)


def train(model, optimizer_cfg, features, labels, batch_size, steps, autocast):
    opt = torch_optimizer(optimizer_cfg, list(model.parameters()))
    model.train()
    losses = []
    for step in range(steps):
        start = (step * batch_size) % len(labels)
        xb, yb = features[start:start + batch_size], labels[start:start + batch_size]
        opt.zero_grad()
        if autocast:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(xb)
            loss = F.cross_entropy(logits.float(), yb)
        else:
            loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def case(name, layers, input_shape, n, classes, batch_size, steps, optimizer, seed):
    torch.manual_seed(seed)
    model = build_torch_model(layers, input_shape)
    randomize_(model)
    features = torch.randn(n, *input_shape, dtype=DTYPE)
    labels = torch.randint(0, classes, (n,))
    initial = state_json(model)
    initial_state = {k: v.clone() for k, v in model.state_dict().items()}

    round_products_(model)
    losses = train(model, optimizer, features, labels, batch_size, steps, autocast=False)
    final = state_json(model)

    real = build_torch_model(layers, input_shape).float()
    real.load_state_dict({k: (v.float() if v.is_floating_point() else v) for k, v in initial_state.items()})
    # One plain SGD step: Adam's first step is lr·sign(g), which flips on gradients
    # near zero and hides how close the products are.
    autocast_losses = train(real, AUTOCAST_OPTIMIZER, features.float(), labels, batch_size, 1, autocast=True)
    return {
        "name": name,
        "layers": layers,
        "input_shape": list(input_shape),
        "solver": {"batch_size": batch_size, "steps": steps, "optimizer": optimizer, "precision": "bf16"},
        "features": tensor_json(features),
        "labels": labels.tolist(),
        "initial_state": initial,
        "losses": losses,
        "final_state": final,
        "autocast": {"optimizer": AUTOCAST_OPTIMIZER, "losses": autocast_losses,
                     "final_state": state_json(real.double())},
    }


def cases():
    # No bias before batchnorm: its true gradient is zero, and Adam would turn the rounding
    # noise of that zero into full-size steps of arbitrary sign.
    mlp = [{"type": "linear", "out": 24}, {"type": "relu"}, {"type": "linear", "out": 16, "bias": False},
           {"type": "batchnorm"},
           {"type": "gelu"}, {"type": "linear", "out": 4}]
    # conv 1: direct loops (C·kh·kw ≤ 27); conv 2: im2col (stride 2); the last linear a GEMM.
    cnn = [{"type": "conv2d", "out": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
           {"type": "conv2d", "out": 6, "kernel": 3, "stride": 2, "padding": 1}, {"type": "relu"},
           {"type": "flatten"}, {"type": "linear", "out": 3}]
    return [
        case("mlp_adam", mlp, [40], 32, 4, 16, 4, {"type": "adam", "lr": 0.01}, 1101),
        case("cnn_sgd", cnn, [2, 8, 8], 12, 3, 6, 4, {"type": "sgd", "lr": 0.01, "momentum": 0.9}, 1102),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "DNNTests", "Fixtures"))
    args = parser.parse_args()
    write(os.path.join(args.out, "bf16_training.json"),
          {"generator": GENERATOR, "torch": torch.__version__, "cases": cases()})


if __name__ == "__main__":
    main()

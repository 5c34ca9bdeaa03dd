#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for dnn's Swift tests.

    python3 tools/make_fixtures.py [--out Tests/DNNTests/Fixtures]

Writes layers.json, losses.json, regression_losses.json, optimizers.json, training.json
and example_models.json. Everything is
float64, every case seeds torch.manual_seed itself, and numbers are written at full
double precision (json.dump of Python floats round-trips exactly), so the output is
byte-identical from run to run on the same torch version. CI never runs this: the
fixtures are committed. Every tensor is {"shape": [...], "data": [flat row-major]}.
"""

import argparse
import glob
import json
import os
import sys
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnn_torch import (  # noqa: E402
    DTYPE,
    build_torch_layer,
    build_torch_model,
    model_output_shape,
    randomize_,
    reg_weights,
    state_json,
    tensor_json,
)

GENERATOR = "tools/make_fixtures.py"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def header():
    return {"generator": GENERATOR, "torch": torch.__version__}


# ---------------------------------------------------------------------------
# layers.json


def randn(*shape):
    return torch.randn(*shape, dtype=DTYPE)


def small_ints(*shape):
    """Integers 0..2 as doubles: several equal maxima per pooling window."""
    return torch.randint(0, 3, shape).to(DTYPE)


def layer_case(name, spec, shape, mode, seed, make_input=randn, edit_input=None):
    torch.manual_seed(seed)
    module = build_torch_layer(spec, shape[1:])
    randomize_(module)
    module.train(mode == "train")
    x = make_input(*shape)
    if edit_input is not None:
        edit_input(x)
    state = state_json(module)
    has_buffers = any(True for _ in module.buffers())

    x.requires_grad_(True)
    y = module(x)
    dy = randn(*y.shape)
    (y * dy).sum().backward()

    case = {
        "name": name,
        "layer": spec,
        "mode": mode,
        "input": tensor_json(x),
        "state": state,
        "grad_output": tensor_json(dy),
        "output": tensor_json(y),
        "grad_input": tensor_json(x.grad if x.grad is not None else torch.zeros_like(x)),  # ids: none
        "grads": {n: tensor_json(p.grad) for n, p in module.named_parameters() if p.requires_grad},
    }
    if has_buffers:
        case["state_after"] = {n: tensor_json(b) for n, b in module.named_buffers()}
    return case


def zero_some(x):
    """Exact zeros at a few places (the kink of relu / leaky_relu)."""
    flat = x.view(-1)
    flat[::4] = 0.0


RESIDUAL_CONV = {
    "type": "residual",
    "body": [
        {"type": "conv2d", "out": 4, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "batchnorm"},
        {"type": "relu"},
        {"type": "conv2d", "out": 4, "kernel": 3, "padding": 1},
        {"type": "batchnorm"},
    ],
    "shortcut": [
        {"type": "conv2d", "out": 4, "kernel": 1, "stride": 2, "bias": False},
        {"type": "batchnorm"},
    ],
}

RESIDUAL_IDENTITY = {
    "type": "residual",
    "body": [{"type": "linear", "out": 5}, {"type": "relu"}, {"type": "linear", "out": 5}],
}


def layer_cases():
    c = []
    add = c.append
    # --- fully connected [N, D]
    add(layer_case("linear_bias", {"type": "linear", "out": 3}, [4, 5], "train", 101))
    add(layer_case("linear_nobias", {"type": "linear", "out": 3, "bias": False}, [4, 5], "train", 102))
    add(layer_case("relu", {"type": "relu"}, [3, 5], "train", 103))
    add(layer_case("relu_at_zero", {"type": "relu"}, [3, 5], "train", 104, edit_input=zero_some))
    add(layer_case("leaky_relu_default", {"type": "leaky_relu"}, [3, 5], "train", 105))
    add(layer_case("leaky_relu_slope_0.2", {"type": "leaky_relu", "slope": 0.2}, [3, 5], "train", 106))
    add(layer_case("leaky_relu_at_zero", {"type": "leaky_relu", "slope": 0.2}, [3, 5], "train", 107,
                   edit_input=zero_some))
    add(layer_case("sigmoid", {"type": "sigmoid"}, [3, 5], "train", 108))
    add(layer_case("tanh", {"type": "tanh"}, [3, 5], "train", 109))
    add(layer_case("gelu", {"type": "gelu"}, [3, 5], "train", 110))
    add(layer_case("silu", {"type": "silu"}, [3, 5], "train", 160))
    add(layer_case("batchnorm1d_train", {"type": "batchnorm"}, [4, 6], "train", 111))
    add(layer_case("batchnorm1d_train_momentum_eps", {"type": "batchnorm", "momentum": 0.3, "eps": 1e-3},
                   [4, 6], "train", 112))
    add(layer_case("batchnorm1d_eval", {"type": "batchnorm"}, [4, 6], "eval", 113))
    add(layer_case("batchnorm1d_eval_batch1", {"type": "batchnorm"}, [1, 6], "eval", 114))
    add(layer_case("layernorm1d", {"type": "layernorm"}, [3, 7], "train", 115))
    add(layer_case("rmsnorm1d", {"type": "rmsnorm"}, [3, 7], "train", 116))
    add(layer_case("flatten_2x3x2x2", {"type": "flatten"}, [2, 3, 2, 2], "train", 117))
    add(layer_case("dropout_eval", {"type": "dropout", "p": 0.3}, [3, 5], "eval", 118))
    # --- convolutional [N, C, H, W]
    add(layer_case("conv2d_worked_example", {"type": "conv2d", "out": 1, "kernel": 2, "stride": [1, 2]},
                   [1, 1, 3, 4], "train", 201))
    add(layer_case("conv2d_stride2", {"type": "conv2d", "out": 4, "kernel": 3, "stride": 2},
                   [2, 3, 7, 7], "train", 202))
    add(layer_case("conv2d_asym_kernel_padding", {"type": "conv2d", "out": 3, "kernel": [2, 3], "padding": [1, 2]},
                   [2, 2, 5, 6], "train", 203))
    add(layer_case("conv2d_same_k3", {"type": "conv2d", "out": 2, "kernel": 3, "padding": "same"},
                   [1, 2, 6, 6], "train", 204))
    add(layer_case("conv2d_same_k4", {"type": "conv2d", "out": 2, "kernel": 4, "padding": "same"},
                   [1, 2, 6, 6], "train", 205))
    add(layer_case("conv2d_nobias", {"type": "conv2d", "out": 3, "kernel": 3, "bias": False},
                   [2, 2, 4, 4], "train", 206))
    add(layer_case("conv2d_stride2x1_pad1", {"type": "conv2d", "out": 2, "kernel": 3, "stride": [2, 1], "padding": 1},
                   [1, 2, 5, 5], "train", 207))
    add(layer_case("conv2d_eval_batch1", {"type": "conv2d", "out": 2, "kernel": 3, "padding": 1},
                   [1, 2, 4, 4], "eval", 208))
    # 3x3 stride 1 between 16 or more channels, batch of 4 or more: dnn computes these
    # with Winograd F(2x2, 3x3).
    add(layer_case("conv2d_winograd_16to20", {"type": "conv2d", "out": 20, "kernel": 3, "padding": 1},
                   [4, 16, 5, 3], "train", 209))
    add(layer_case("conv2d_winograd_valid_eval", {"type": "conv2d", "out": 16, "kernel": 3, "bias": False},
                   [4, 17, 4, 5], "eval", 210))
    add(layer_case("maxpool2d_k2", {"type": "maxpool2d", "kernel": 2}, [2, 3, 6, 6], "train", 211))
    add(layer_case("maxpool2d_k3_s2_p1", {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1},
                   [2, 2, 7, 7], "train", 212))
    add(layer_case("maxpool2d_k2x3_s2x1", {"type": "maxpool2d", "kernel": [2, 3], "stride": [2, 1]},
                   [1, 2, 5, 6], "train", 213))
    add(layer_case("maxpool2d_ties_k2", {"type": "maxpool2d", "kernel": 2}, [1, 2, 6, 6], "train", 214,
                   make_input=small_ints))
    add(layer_case("maxpool2d_ties_k3_s2_p1", {"type": "maxpool2d", "kernel": 3, "stride": 2, "padding": 1},
                   [1, 2, 7, 7], "train", 215, make_input=small_ints))
    add(layer_case("maxpool2d_ties_k3_s1", {"type": "maxpool2d", "kernel": 3, "stride": 1},
                   [1, 2, 5, 5], "train", 216, make_input=small_ints))
    add(layer_case("avgpool2d_k2", {"type": "avgpool2d", "kernel": 2}, [2, 2, 4, 4], "train", 221))
    add(layer_case("avgpool2d_k3_s2_p1", {"type": "avgpool2d", "kernel": 3, "stride": 2, "padding": 1},
                   [1, 2, 7, 7], "train", 222))
    add(layer_case("batchnorm2d_train", {"type": "batchnorm"}, [3, 4, 5, 5], "train", 231))
    add(layer_case("batchnorm2d_eval", {"type": "batchnorm"}, [3, 4, 5, 5], "eval", 232))
    add(layer_case("batchnorm2d_eval_batch1", {"type": "batchnorm"}, [1, 4, 5, 5], "eval", 233))
    add(layer_case("layernorm2d", {"type": "layernorm"}, [2, 3, 4, 4], "train", 234))
    add(layer_case("instancenorm_train", {"type": "instancenorm"}, [2, 3, 4, 4], "train", 235))
    add(layer_case("instancenorm_eval", {"type": "instancenorm"}, [2, 3, 4, 4], "eval", 236))
    add(layer_case("rmsnorm2d", {"type": "rmsnorm"}, [2, 3, 4, 4], "train", 237))
    add(layer_case("dropout2d_eval", {"type": "dropout2d", "p": 0.3}, [2, 3, 4, 4], "eval", 238))
    add(layer_case("flatten_2x3x4x4", {"type": "flatten"}, [2, 3, 4, 4], "train", 239))
    # --- residual
    add(layer_case("residual_conv_projection_train", RESIDUAL_CONV, [2, 3, 6, 6], "train", 301))
    add(layer_case("residual_conv_projection_eval_batch1", RESIDUAL_CONV, [1, 3, 6, 6], "eval", 302))
    add(layer_case("residual_identity_linear", RESIDUAL_IDENTITY, [3, 5], "train", 303))
    sequence_layer_cases(add)
    # --- recurrent [N, T, F]: PyTorch's own initialisation (randomize_ leaves them)
    add(layer_case("lstm_last", {"type": "lstm", "hidden": 4}, [3, 5, 2], "train", 701))
    add(layer_case("lstm_2_layers_bidirectional_sequence", {"type": "lstm", "hidden": 3, "layers": 2,
                   "bidirectional": True, "return": "sequence"}, [2, 4, 3], "train", 702))
    add(layer_case("gru_last", {"type": "gru", "hidden": 4}, [3, 5, 2], "train", 703))
    add(layer_case("gru_2_layers_bidirectional_last", {"type": "gru", "hidden": 3, "layers": 2,
                   "bidirectional": True}, [2, 4, 3], "train", 704))
    add(layer_case("gru_sequence_one_step", {"type": "gru", "hidden": 2, "return": "sequence"}, [2, 1, 3],
                   "train", 705))
    names = [x["name"] for x in c]
    assert len(names) == len(set(names)), "duplicate case names"
    return c


def sequence_layer_cases(add):
    """conv1d (stride, dilation, "same" with odd and even spans, a kernel longer than the
    sequence under "same"), 1-d and global pooling (ties included), transpose, batchnorm
    on [N, C, T]."""
    conv = lambda **k: {"type": "conv1d", **k}  # noqa: E731
    add(layer_case("conv1d_k3", conv(out=4, kernel=3), [2, 3, 9], "train", 701))
    add(layer_case("conv1d_stride2_pad1", conv(out=3, kernel=3, stride=2, padding=1), [2, 2, 10], "train", 702))
    add(layer_case("conv1d_dilation2", conv(out=3, kernel=3, dilation=2), [2, 2, 11], "train", 703))
    add(layer_case("conv1d_same_k3_dilation2", conv(out=2, kernel=3, padding="same", dilation=2), [2, 3, 8],
                   "train", 704))
    add(layer_case("conv1d_same_k4", conv(out=2, kernel=4, padding="same"), [2, 2, 7], "train", 705))
    add(layer_case("conv1d_same_k4_dilation3", conv(out=2, kernel=4, padding="same", dilation=3), [1, 2, 9],
                   "train", 706))
    add(layer_case("conv1d_nobias_s3_d2_p2", conv(out=3, kernel=3, stride=3, dilation=2, padding=2, bias=False),
                   [2, 3, 13], "train", 707))
    add(layer_case("conv1d_same_k5_longer_than_input", conv(out=2, kernel=5, padding="same"), [2, 2, 2],
                   "train", 708))
    add(layer_case("conv1d_eval_batch1", conv(out=2, kernel=2), [1, 2, 5], "eval", 709))
    add(layer_case("maxpool1d_k2", {"type": "maxpool1d", "kernel": 2}, [2, 3, 9], "train", 711))
    add(layer_case("maxpool1d_k3_s2_p1", {"type": "maxpool1d", "kernel": 3, "stride": 2, "padding": 1}, [2, 2, 8],
                   "train", 712))
    add(layer_case("maxpool1d_ties_k3_s1", {"type": "maxpool1d", "kernel": 3, "stride": 1}, [1, 2, 9], "train", 713,
                   make_input=small_ints))
    add(layer_case("avgpool1d_k2", {"type": "avgpool1d", "kernel": 2}, [2, 2, 7], "train", 714))
    add(layer_case("avgpool1d_k3_s2_p1", {"type": "avgpool1d", "kernel": 3, "stride": 2, "padding": 1}, [2, 2, 8],
                   "train", 715))
    add(layer_case("global_avgpool_ct", {"type": "global_avgpool"}, [2, 3, 7], "train", 721))
    add(layer_case("global_avgpool_chw", {"type": "global_avgpool"}, [2, 3, 4, 5], "train", 722))
    add(layer_case("global_maxpool_ct", {"type": "global_maxpool"}, [2, 3, 7], "train", 723))
    add(layer_case("global_maxpool_chw", {"type": "global_maxpool"}, [2, 3, 4, 5], "train", 724))
    add(layer_case("global_maxpool_ties", {"type": "global_maxpool"}, [2, 2, 6], "train", 725, make_input=small_ints))
    add(layer_case("transpose_ct", {"type": "transpose"}, [2, 3, 5], "train", 731))
    add(layer_case("transpose_chw", {"type": "transpose"}, [2, 2, 3, 4], "train", 732))
    add(layer_case("transpose_long", {"type": "transpose"}, [1, 40, 37], "train", 733))
    add(layer_case("batchnorm_ct_train", {"type": "batchnorm"}, [4, 3, 6], "train", 741))
    add(layer_case("batchnorm_ct_eval", {"type": "batchnorm"}, [2, 3, 6], "eval", 742))


def token_ids(vocab):
    """Integer ids in [0, vocab) as doubles, as dnn's samples hold them."""
    return lambda *shape: torch.randint(0, vocab, shape).to(DTYPE)


GPT_BLOCK = {
    "type": "residual",
    "body": [{"type": "layernorm"}, {"type": "attention", "heads": 2, "causal": True}],
}


def attention_layer_cases():
    """The sequence layers of the language models ([T] ids, [T, F] sequences):
    attention_layers.json, read by LayerFixtureTests with layers.json."""
    c = []
    add = c.append
    add(layer_case("embedding", {"type": "embedding", "vocab": 7, "dim": 4}, [3, 5], "train", 401,
                   make_input=token_ids(7)))
    add(layer_case("positional_embedding", {"type": "positional_embedding", "max_len": 8}, [2, 5, 4], "train", 402))
    add(layer_case("attention_2heads", {"type": "attention", "heads": 2}, [2, 5, 6], "train", 403))
    add(layer_case("attention_causal_3heads", {"type": "attention", "heads": 3, "causal": True}, [2, 5, 6],
                   "train", 404))
    # T = 37: causal products run in row blocks of 16 (SelfAttention.rowBlocks), the last one partial.
    add(layer_case("attention_causal_t37", {"type": "attention", "heads": 2, "causal": True}, [2, 37, 4],
                   "train", 412))
    add(layer_case("attention_1head_t1", {"type": "attention", "heads": 1, "causal": True}, [3, 1, 4], "train", 405))
    add(layer_case("attention_dropout_eval", {"type": "attention", "heads": 2, "dropout": 0.3}, [2, 4, 4],
                   "eval", 406))
    add(layer_case("linear_per_position", {"type": "linear", "out": 3}, [2, 5, 4], "train", 407))
    add(layer_case("layernorm_per_position", {"type": "layernorm"}, [2, 5, 6], "train", 408))
    add(layer_case("rmsnorm_per_position", {"type": "rmsnorm"}, [2, 5, 6], "train", 409))
    add(layer_case("gelu_per_position", {"type": "gelu"}, [2, 5, 4], "train", 410))
    add(layer_case("gpt_block_causal", GPT_BLOCK, [2, 6, 4], "train", 411))
    return c


GPT_SMALL = [
    {"type": "embedding", "vocab": 16, "dim": 8},
    {"type": "positional_embedding", "max_len": 8},
    {"type": "residual", "body": [{"type": "layernorm"}, {"type": "attention", "heads": 2, "causal": True}]},
    {"type": "residual", "body": [{"type": "layernorm"}, {"type": "linear", "out": 16}, {"type": "gelu"},
                                  {"type": "linear", "out": 8}]},
    {"type": "layernorm"},
    {"type": "linear", "out": 16},
]


def language_model_case(name, seed, n=12, context=6, batch_size=4, epochs=2):
    """A few AdamW steps of a small GPT on random byte windows, batches in order: the
    loss of every step (mean cross-entropy over every position) and the final weights."""
    torch.manual_seed(seed)
    model = build_torch_model(GPT_SMALL, [context])
    randomize_(model)
    text = torch.randint(0, 16, (n * context + 1,))
    windows = torch.stack([text[i * context: i * context + context + 1] for i in range(n)])
    features, labels = windows[:, :-1].to(DTYPE), windows[:, 1:]
    initial = state_json(model)
    optimizer = {"type": "adamw", "lr": 0.01, "weight_decay": 0.01}
    opt = torch_optimizer(optimizer, list(model.parameters()))
    model.train()
    losses = []
    for _ in range(epochs):
        for start in range(0, n, batch_size):
            opt.zero_grad()
            logits = model(features[start:start + batch_size])
            loss = F.cross_entropy(logits.reshape(-1, 16), labels[start:start + batch_size].reshape(-1))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return {"name": name, "layers": GPT_SMALL, "input_shape": [context],
            "solver": {"batch_size": batch_size, "epochs": epochs, "optimizer": optimizer},
            "features": tensor_json(features), "labels": labels.reshape(-1).tolist(),
            "initial_state": initial, "losses": losses, "final_state": state_json(model)}


# ---------------------------------------------------------------------------
# losses.json


def loss_case(name, logits, labels, weight=None, label_smoothing=0.0):
    """F.cross_entropy with the options of dnn's `loss` object (`weight`: per-class
    weights, the mean divides by the sum of the targets' weights)."""
    logits = logits.clone().requires_grad_(True)
    labels_t = torch.tensor(labels, dtype=torch.long)
    weight_t = None if weight is None else torch.tensor(weight, dtype=DTYPE)
    loss = F.cross_entropy(logits, labels_t, weight=weight_t, label_smoothing=label_smoothing)
    loss.backward()
    case = {
        "name": name,
        "logits": tensor_json(logits),
        "labels": list(labels),
        "loss": loss.item(),
        "grad_logits": tensor_json(logits.grad),
    }
    if weight is not None:
        case["weight"] = list(weight)
    if label_smoothing:
        case["label_smoothing"] = label_smoothing
    return case


def loss_cases():
    c = []
    torch.manual_seed(401)
    c.append(loss_case("ce_basic_4x3", randn(4, 3), torch.randint(0, 3, (4,)).tolist()))
    torch.manual_seed(402)
    c.append(loss_case("ce_5x10", randn(5, 10) * 2.0, torch.randint(0, 10, (5,)).tolist()))
    torch.manual_seed(403)
    c.append(loss_case("ce_batch1", randn(1, 4), [2]))
    c.append(loss_case("ce_large_logits",
                       torch.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0], [1000.0, 1000.0, -1000.0]],
                                    dtype=DTYPE),
                       [1, 2, 0]))
    torch.manual_seed(405)
    c.append(loss_case("ce_large_logits_random", randn(3, 4) * 1000.0, [0, 1, 3]))
    c.append(loss_case("ce_uniform", torch.zeros(2, 5, dtype=DTYPE), [0, 4]))
    torch.manual_seed(406)
    c.append(loss_case("ce_label_smoothing", randn(6, 4) * 2.0, [0, 1, 2, 3, 1, 1], label_smoothing=0.1))
    torch.manual_seed(407)
    c.append(loss_case("ce_weight", randn(6, 4) * 2.0, [0, 1, 2, 3, 1, 1], weight=[0.5, 2.0, 1.0, 3.0]))
    torch.manual_seed(408)
    c.append(loss_case("ce_weight_label_smoothing", randn(7, 5) * 2.0, [4, 0, 2, 2, 1, 3, 0],
                       weight=[1.5, 0.25, 1.0, 2.0, 0.75], label_smoothing=0.2))
    torch.manual_seed(409)
    c.append(loss_case("ce_weight_label_smoothing_large", randn(3, 4) * 1000.0, [0, 1, 3],
                       weight=[1.0, 2.0, 3.0, 4.0], label_smoothing=0.05))
    return c


def regression_loss_case(name, spec, prediction, target):
    """nn.MSELoss / nn.L1Loss / nn.HuberLoss(delta), mean over all elements."""
    prediction = prediction.clone().requires_grad_(True)
    kind = spec["type"]
    module = {"mse": nn.MSELoss(), "l1": nn.L1Loss()}.get(kind) or nn.HuberLoss(delta=spec.get("delta", 1.0))
    loss = module(prediction, target)
    loss.backward()
    return {"name": name, "loss_spec": spec, "prediction": tensor_json(prediction), "target": tensor_json(target),
            "loss": loss.item(), "grad_prediction": tensor_json(prediction.grad)}


def regression_loss_cases():
    c = []
    for i, spec in enumerate([{"type": "mse"}, {"type": "l1"}, {"type": "huber", "delta": 1.0},
                              {"type": "huber", "delta": 0.3}]):
        torch.manual_seed(420 + i)
        prediction = randn(6, 2) * 1.5
        target = randn(6, 2)
        target[0, 0] = prediction[0, 0]  # d = 0: sign(0) = 0 for l1
        name = spec["type"] + ("" if "delta" not in spec else "_delta_" + str(spec["delta"]).replace(".", "_"))
        c.append(regression_loss_case(name, spec, prediction.detach(), target))
    torch.manual_seed(425)
    c.append(regression_loss_case("mse_one_column", {"type": "mse"}, randn(5, 1) * 3.0, randn(5, 1)))
    return c


# ---------------------------------------------------------------------------
# optimizers.json

OPTIMIZER_CONFIGS = [
    ("sgd", {"type": "sgd", "lr": 0.1}),
    ("sgd_momentum", {"type": "sgd", "lr": 0.1, "momentum": 0.9}),
    ("sgd_nesterov_wd", {"type": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adam", {"type": "adam", "lr": 0.01}),
    ("adam_custom_wd", {"type": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1}),
    ("adamw_default", {"type": "adamw", "lr": 0.01}),
    ("adamw_wd", {"type": "adamw", "lr": 0.01, "weight_decay": 0.1}),
    ("rmsprop", {"type": "rmsprop", "lr": 0.01}),
    ("rmsprop_momentum", {"type": "rmsprop", "lr": 0.01, "alpha": 0.9, "momentum": 0.5, "eps": 1e-6}),
]


def torch_optimizer(cfg, params):
    """torch.optim for a dnn `solver.optimizer` object, with the contract's defaults."""
    kind = cfg["type"]
    # foreach=False pins the plain per-tensor implementation (the CPU default anyway).
    if kind == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg.get("momentum", 0.0),
                               nesterov=cfg.get("nesterov", False), weight_decay=cfg.get("weight_decay", 0.0),
                               foreach=False)
    if kind in ("adam", "adamw"):
        cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
        wd_default = 0.0 if kind == "adam" else 0.01
        return cls(params, lr=cfg.get("lr", 1e-3), betas=(cfg.get("beta1", 0.9), cfg.get("beta2", 0.999)),
                   eps=cfg.get("eps", 1e-8), weight_decay=cfg.get("weight_decay", wd_default), foreach=False)
    if kind == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.get("lr", 1e-2), alpha=cfg.get("alpha", 0.99),
                                   eps=cfg.get("eps", 1e-8), momentum=cfg.get("momentum", 0.0),
                                   weight_decay=cfg.get("weight_decay", 0.0), foreach=False)
    raise ValueError(f"unknown optimizer {kind}")


def optimizer_case(name, cfg, seed, steps=10, lr_decay=None, steps_per_epoch=None):
    torch.manual_seed(seed)
    shapes = [[3, 4], [4]]
    params = [nn.Parameter(randn(*s)) for s in shapes]
    grads = [[randn(*s) for s in shapes] for _ in range(steps)]
    opt = torch_optimizer(cfg, params)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_decay) if lr_decay is not None else None
    case = {
        "name": name,
        "optimizer": cfg,
        "initial": [tensor_json(p) for p in params],
        "gradients": [[tensor_json(g) for g in step] for step in grads],
    }
    if lr_decay is not None:
        case["lr_decay"] = lr_decay
        case["steps_per_epoch"] = steps_per_epoch
    trajectory, lrs = [], []
    for i, step in enumerate(grads):
        lrs.append(opt.param_groups[0]["lr"])
        for p, g in zip(params, step):
            p.grad = g.clone()
        opt.step()
        trajectory.append([tensor_json(p) for p in params])
        if sched is not None and (i + 1) % steps_per_epoch == 0:
            sched.step()
    case["after_1"] = trajectory[0]
    case["after_10"] = trajectory[-1]
    case["trajectory"] = trajectory  # parameters after every step 1..10 (for diagnosis)
    case["lr_per_step"] = lrs
    return case


def optimizer_cases():
    c = [optimizer_case(n, cfg, 500 + i) for i, (n, cfg) in enumerate(OPTIMIZER_CONFIGS)]
    c.append(optimizer_case("sgd_momentum_exponential_lr", {"type": "sgd", "lr": 0.1, "momentum": 0.9}, 520,
                            lr_decay=0.5, steps_per_epoch=3))
    return c


# ---------------------------------------------------------------------------
# training.json


def torch_schedule(opt, solver):
    """The LinearLR/SequentialLR and scheduler a dnn solver's `warmup` and `lr_schedule`
    describe (see tools/make_schedule_fixtures.py); None for a constant rate."""
    spec, warmup = solver.get("lr_schedule"), solver.get("warmup")
    main = None
    if spec and spec["type"] == "cosine":
        main = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=spec["t_max"], eta_min=spec.get("eta_min", 0.0))
    elif spec and spec["type"] == "step":
        main = torch.optim.lr_scheduler.StepLR(opt, step_size=spec["step_size"], gamma=spec.get("gamma", 0.1))
    if not warmup:
        return main
    linear = torch.optim.lr_scheduler.LinearLR(opt, start_factor=warmup["start_factor"], total_iters=warmup["epochs"])
    return torch.optim.lr_scheduler.SequentialLR(opt, [linear, main], milestones=[warmup["epochs"]])


def training_case(name, layers, input_shape, n, num_classes, batch_size, epochs, optimizer, reg, seed, recipe=None):
    """`recipe`: optional solver keys (lr_schedule, warmup, clip_grad_norm) and `loss`
    options (label_smoothing, weight), applied as a PyTorch training script would."""
    recipe = recipe or {}
    loss_options = recipe.get("loss", {})
    weight = loss_options.get("weight")
    weight_t = None if weight is None else torch.tensor(weight, dtype=DTYPE)
    smoothing = loss_options.get("label_smoothing", 0.0)
    torch.manual_seed(seed)
    model = build_torch_model(layers, input_shape)
    randomize_(model)
    features = randn(n, *input_shape)
    labels = torch.randint(0, num_classes, (n,))
    initial = state_json(model)
    opt = torch_optimizer(optimizer, list(model.parameters()))
    weights = reg_weights(model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = torch_schedule(opt, recipe)
    model.train()
    losses = []
    clipped = 0
    for _ in range(epochs):
        for start in range(0, n, batch_size):  # shuffle off, drop_last off
            xb = features[start:start + batch_size]
            yb = labels[start:start + batch_size]
            opt.zero_grad()
            ce = F.cross_entropy(model(xb), yb, weight=weight_t, label_smoothing=smoothing)
            loss = ce
            if reg:
                loss = ce + 0.5 * reg * sum((w * w).sum() for w in weights)
            loss.backward()
            if "clip_grad_norm" in recipe:
                norm = torch.nn.utils.clip_grad_norm_(model.parameters(), recipe["clip_grad_norm"])
                clipped += int(norm > recipe["clip_grad_norm"])
            opt.step()
            losses.append(ce.item())
        if scheduler is not None:
            scheduler.step()
    model.eval()
    with torch.no_grad():
        logits = model(features)
        eval_loss = F.cross_entropy(logits, labels, weight=weight_t, label_smoothing=smoothing).item()
        eval_acc = (logits.argmax(1) == labels).double().mean().item()
    return {
        "name": name,
        "layers": layers,
        "input_shape": list(input_shape),
        "solver": {"batch_size": batch_size, "epochs": epochs, "shuffle": False, "optimizer": optimizer, "reg": reg,
                   **{k: v for k, v in recipe.items() if k != "loss"}},
        **({"loss": loss_options, "clipped_steps": clipped} if recipe else {}),
        "features": tensor_json(features),
        "labels": labels.tolist(),
        "initial_state": initial,
        "losses": losses,
        "final_state": state_json(model),
        # eval-mode loss / accuracy of the final model on the same features (running stats)
        "final_eval": {"loss": eval_loss, "accuracy": eval_acc},
    }


def training_cases():
    mlp = [{"type": "linear", "out": 8}, {"type": "batchnorm"}, {"type": "relu"}, {"type": "linear", "out": 3}]
    # No conv bias before batchnorm: its true gradient is zero, and Adam would turn the
    # rounding noise of that zero into full-size steps of arbitrary sign.
    cnn = [{"type": "conv2d", "out": 3, "kernel": 3, "padding": 1, "bias": False}, {"type": "batchnorm"}, {"type": "relu"},
           {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "out": 2}]
    return [
        training_case("mlp_sgd_momentum_reg", mlp, [5], 24, 3, 8, 2, {"type": "sgd", "lr": 0.1, "momentum": 0.9},
                      0.01, 601),
        training_case("cnn_adam", cnn, [1, 4, 4], 12, 2, 4, 2, {"type": "adam", "lr": 0.01}, 0.0, 602),
        # Issue #12's recipe: warmup then cosine, clipping (most steps clip), label smoothing
        # and class weights, with reg (so the clipped norm includes the reg gradient).
        training_case("mlp_recipe", mlp, [5], 24, 3, 8, 5, {"type": "sgd", "lr": 0.2, "momentum": 0.9}, 0.01, 603,
                      recipe={"warmup": {"epochs": 2, "start_factor": 0.25},
                              "lr_schedule": {"type": "cosine", "t_max": 3}, "clip_grad_norm": 0.5,
                              "loss": {"label_smoothing": 0.1, "weight": [0.5, 2.0, 1.25]}}),
        # configs/ts_gru.json's network (issue #21) on random series, PyTorch's GRU initialisation.
        training_case("ts_gru_adam", [{"type": "gru", "hidden": 32}, {"type": "linear", "out": 2}], [24, 1], 16, 2, 8,
                      3, {"type": "adam", "lr": 0.01}, 0.0, 604),
    ]


# ---------------------------------------------------------------------------


def write(path, obj):
    """Compact JSON with one case per line (readable diffs)."""
    head = {k: v for k, v in obj.items() if k != "cases"}
    dumps = lambda v: json.dumps(v, separators=(",", ":"), allow_nan=False)  # noqa: E731
    text = dumps(head)[:-1] + ',"cases":[\n' + ",\n".join(dumps(c) for c in obj["cases"]) + "\n]}\n"
    assert json.loads(text) == obj
    with open(path, "w") as f:
        f.write(text)
    print(f"{os.path.relpath(path, ROOT)}: {len(obj['cases'])} cases, {os.path.getsize(path)} bytes")


def csv_feature_count(path, source):
    """The encoded features per row of a csv source: one per numeric feature, one per
    category of a categorical one (plus one for missing cells), one per indicator; the
    categories of every row, which for the example configs are those of the training rows."""
    import csv
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter=source.get("separator", ",")))
    labels = source["label"] if isinstance(source["label"], list) else [source["label"]]
    features = source.get("features") or [name for name in rows[0] if name not in labels]
    missing = set(source["missing"].get("values", ["", "NA", "N/A", "NaN", "nan", "?"])) if source.get("missing") else set()
    rows = [row for row in rows if row[labels[0]].strip() not in missing]
    count = 0
    for name in features:
        values = [row[name].strip() for row in rows]
        has_missing = any(value in missing for value in values)
        if name in source.get("categorical", []):
            count += len({value for value in values if value not in missing}) + has_missing
        else:
            count += 1
        count += bool(has_missing and source.get("missing", {}).get("indicator"))
    return count


def image_folder_shape(folder, source):
    """[channels, H, W] of an images source: its `size`, else its first image's."""
    from PIL import Image
    if "size" in source:
        return [source.get("channels", 3)] + list(source["size"])
    first = sorted(glob.glob(os.path.join(folder, "*", "*.png")))[0]
    width, height = Image.open(first).size
    return [source.get("channels", 3), height, width]


def npz_sample_shape(path, member):
    """The sample shape of an npz source's x: (N, F) -> [F], (N, H, W) -> [1, H, W]."""
    import numpy as np
    shape = list(np.load(path)[member].shape[1:])
    return [1] + shape if len(shape) == 2 else shape


def example_config_cases():
    """The torch state_dict (names, shapes, dtypes) and trainable parameter count of the
    model of every config in configs/, for checking dnn's checkpoints without torch."""
    cases = []
    for path in sorted(glob.glob(os.path.join(ROOT, "configs", "*.json"))):
        config = json.load(open(path))
        model = config["model"]
        shape = model.get("input_shape")
        if shape is None:
            train = config["data"]["train"]
            if train["format"] == "idx":
                shape = [1, 28, 28]
            elif train["format"] == "images":
                shape = image_folder_shape(os.path.join(os.path.dirname(path), train["path"]), train)
            elif train["format"] == "npz":
                shape = npz_sample_shape(os.path.join(os.path.dirname(path), train["path"]), train.get("x", "x"))
            elif train["format"] == "text":
                shape = [train["context"]]
            else:
                shape = [csv_feature_count(os.path.join(os.path.dirname(path), train["path"]), train)]
        torch_model = build_torch_model(model["layers"], shape)
        state = [{"name": k, "shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", "")}
                 for k, v in torch_model.state_dict().items()]
        layers = []
        x = torch.zeros([2] + list(shape), dtype=DTYPE)
        torch_model = torch_model.to(DTYPE).eval()
        with torch.no_grad():
            for index, module in enumerate(torch_model):
                x = module(x)
                layers.append({"index": index, "output_shape": list(x.shape[1:]),
                               "parameters": sum(p.numel() for p in module.parameters())})
        cases.append({"name": os.path.basename(path), "input_shape": shape, "layers": layers,
                      "output_shape": list(model_output_shape(model["layers"], shape)),
                      "parameters": sum(p.numel() for p in torch_model.parameters()), "state": state})
    return cases


def fixtures_folder(description):
    """The --out folder (Tests/DNNTests/Fixtures by default), created, with torch set to
    deterministic single-threaded math: the start of every fixture script."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "DNNTests", "Fixtures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    return args.out


def main():
    out = fixtures_folder(__doc__.splitlines()[0])
    warnings.filterwarnings("ignore", message="Using padding='same' with even kernel")
    write(os.path.join(out, "layers.json"), {**header(), "cases": layer_cases()})
    write(os.path.join(out, "attention_layers.json"), {**header(), "cases": attention_layer_cases()})
    write(os.path.join(out, "language_model_training.json"), {**header(), "cases": [language_model_case("gpt_small", 601)]})
    write(os.path.join(out, "losses.json"), {**header(), "cases": loss_cases()})
    write(os.path.join(out, "optimizers.json"), {**header(), "cases": optimizer_cases()})
    write(os.path.join(out, "regression_losses.json"), {**header(), "cases": regression_loss_cases()})
    write(os.path.join(out, "training.json"), {**header(), "cases": training_cases()})
    write(os.path.join(out, "example_models.json"), {**header(), "cases": example_config_cases()})


if __name__ == "__main__":
    main()

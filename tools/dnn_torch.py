"""The PyTorch equivalent of a dnn model, shared by make_fixtures.py and check_checkpoint.py.

A dnn layer spec (a dict exactly as written in a dnn config, see shared/CONTRACT.md)
plus the per-sample input shape maps to one torch module:

    build_torch_layer(spec, input_shape) -> nn.Module       (float64)
    build_torch_model(layers, input_shape) -> nn.Sequential (float64; indices match
                                                             dnn's checkpoint names)
    output_shape(module, input_shape) -> per-sample output shape

In-features / in-channels are inferred from the input shape as dnn does: a flat
shape [D] or an image shape [C, H, W].
"""

import json
import warnings

import torch
import torch.nn as nn

DTYPE = torch.float64
REQUIRED = object()

# Activations without parameters: the config type and the torch module.
ACTIVATIONS = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,  # exact (erf) form
    "silu": nn.SiLU,
}

# Keys each layer type accepts (besides "type"), with the contract's defaults.
LAYER_KEYS = {
    "linear": {"out": REQUIRED, "bias": True, "init": "he", "weight_scale": 0.01},
    "conv2d": {"out": REQUIRED, "kernel": REQUIRED, "stride": 1, "padding": 0, "bias": True, "init": "he",
               "weight_scale": 0.01},
    "maxpool2d": {"kernel": REQUIRED, "stride": None, "padding": 0},
    "avgpool2d": {"kernel": REQUIRED, "stride": None, "padding": 0},
    "flatten": {},
    **{name: {} for name in ACTIVATIONS},
    "leaky_relu": {"slope": 0.01},
    "dropout": {"p": 0.5},
    "dropout2d": {"p": 0.5},
    "batchnorm": {"momentum": 0.1, "eps": 1e-5},
    "layernorm": {"eps": 1e-5},
    "instancenorm": {"eps": 1e-5},
    "rmsnorm": {"eps": 1e-6},
    "residual": {"body": REQUIRED, "shortcut": []},
    # sequences ([C, T] samples)
    "conv1d": {"out": REQUIRED, "kernel": REQUIRED, "stride": 1, "padding": 0, "dilation": 1, "bias": True,
               "init": "he", "weight_scale": 0.01},
    "maxpool1d": {"kernel": REQUIRED, "stride": None, "padding": 0},
    "avgpool1d": {"kernel": REQUIRED, "stride": None, "padding": 0},
    "global_avgpool": {},
    "global_maxpool": {},
    "transpose": {},
    **{name: {"hidden": REQUIRED, "layers": 1, "bidirectional": False, "return": "last"} for name in ("lstm", "gru")},
    "embedding": {"vocab": REQUIRED, "dim": REQUIRED},
    "positional_embedding": {"max_len": REQUIRED},
    "attention": {"heads": REQUIRED, "causal": False, "dropout": 0.0},
}


class SpecError(ValueError):
    """A layer spec that cannot be built; the message starts with its JSON path."""


class Residual(nn.Module):
    """output = body(x) + shortcut(x); an empty shortcut is the identity."""

    def __init__(self, body, shortcut):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class Transpose(nn.Module):
    """x.transpose(-1, -2): swaps the last two dims of every sample."""

    def forward(self, x):
        return x.transpose(-1, -2)


def _sequence_layer(kind, p, shape, path):
    """The torch module of a layer of [C, T] samples (conv1d, 1-d and global pooling, transpose)."""
    if kind == "transpose":
        return Transpose()
    if kind in ("global_avgpool", "global_maxpool"):
        if len(shape) not in (2, 3):
            raise SpecError(f"{path}: {kind} needs [C, T] or [C, H, W], got {shape}")
        pools = {("global_avgpool", 2): nn.AdaptiveAvgPool1d, ("global_avgpool", 3): nn.AdaptiveAvgPool2d,
                 ("global_maxpool", 2): nn.AdaptiveMaxPool1d, ("global_maxpool", 3): nn.AdaptiveMaxPool2d}
        return nn.Sequential(pools[(kind, len(shape))](1), nn.Flatten())
    if len(shape) != 2:
        raise SpecError(f"{path}: {kind} needs an input of shape [C, T], got {shape}")
    if kind == "conv1d":
        return nn.Conv1d(shape[0], int(p["out"]), int(p["kernel"]), stride=int(p["stride"]), padding=p["padding"],
                         dilation=int(p["dilation"]), bias=bool(p["bias"]))
    stride = p["kernel"] if p["stride"] is None else p["stride"]
    if kind == "maxpool1d":
        return nn.MaxPool1d(p["kernel"], stride=stride, padding=p["padding"])
    return nn.AvgPool1d(p["kernel"], stride=stride, padding=p["padding"], count_include_pad=True)


def _recurrent(cls):
    """nn.LSTM / nn.GRU (batch_first) returning dnn's `return`: the output sequence, or the
    top layer's final hidden states with both directions concatenated (h_n[-D:])."""

    class Recurrent(cls):
        def __init__(self, input_size, hidden, layers, bidirectional, returns):
            super().__init__(input_size, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True)
            self.returns = returns

        def forward(self, x):
            y, state = super().forward(x)
            if self.returns == "sequence":
                return y
            h = state[0] if isinstance(state, tuple) else state
            directions = 2 if self.bidirectional else 1
            return torch.cat(list(h[-directions:]), dim=1)

    Recurrent.__name__ = cls.__name__
    return Recurrent


RECURRENT = {"lstm": _recurrent(nn.LSTM), "gru": _recurrent(nn.GRU)}


class Embedding(nn.Embedding):
    """nn.Embedding on ids stored as floats (dnn's samples are floats)."""

    def forward(self, x):
        return super().forward(x.long())


class PositionalEmbedding(nn.Module):
    """x + weight[:T]: a learned [max_len, F] table (GPT-2's wpe), N(0, 1) as nn.Embedding's."""

    def __init__(self, max_len, features):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(max_len, features))

    def forward(self, x):
        return x + self.weight[: x.shape[1]]


class SelfAttention(nn.MultiheadAttention):
    """nn.MultiheadAttention(F, heads, dropout, batch_first=True) called as m(x, x, x);
    causal: is_causal=True with the causal mask. state_dict names are MHA's own."""

    def __init__(self, features, heads, causal, dropout):
        super().__init__(features, heads, dropout=dropout, batch_first=True)
        self.causal = causal

    def forward(self, x):
        mask = nn.Transformer.generate_square_subsequent_mask(x.shape[1], dtype=x.dtype) if self.causal else None
        return super().forward(x, x, x, attn_mask=mask, is_causal=self.causal, need_weights=False)[0]


def _sequence(input_shape, path, kind):
    if len(input_shape) != 2:
        raise SpecError(f"{path}: {kind} needs a sequence [T, F], got {list(input_shape)}")
    return input_shape


def _pair(value, path, name):
    if isinstance(value, bool):
        raise SpecError(f"{path}.{name}: expected an integer or [h, w], got {json.dumps(value)}")
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return (value[0], value[1])
    raise SpecError(f"{path}.{name}: expected an integer or [h, w], got {json.dumps(value)}")


def _image(input_shape, path, kind):
    if len(input_shape) != 3:
        raise SpecError(f"{path}: {kind} needs an input of shape [C, H, W], got {list(input_shape)}")
    return input_shape


def _flat(input_shape, path, kind):
    if len(input_shape) != 1:
        raise SpecError(
            f"{path}: {kind} needs a flat input [D], got {list(input_shape)}; add {{\"type\": \"flatten\"}} before it"
        )
    return input_shape[0]


def build_torch_layer(spec, input_shape, path="layer"):
    """The float64 torch module for one dnn layer spec at a per-sample input shape."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise SpecError(f"{path}: a layer is an object with a \"type\"")
    kind = spec["type"]
    if kind not in LAYER_KEYS:
        raise SpecError(f"{path}.type: unknown layer type {json.dumps(kind)}")
    defaults = LAYER_KEYS[kind]
    for key in spec:
        if key != "type" and key not in defaults:
            warnings.warn(f"{path}.{key}: key not known to dnn_torch for {kind}; ignored")
    p = dict(defaults)
    p.update({k: v for k, v in spec.items() if k != "type"})
    for key, value in p.items():
        if value is REQUIRED:
            raise SpecError(f"{path}.{key}: required for {kind}")
    shape = [int(s) for s in input_shape]

    if kind == "linear" and len(shape) == 2:
        m = nn.Linear(shape[1], int(p["out"]), bias=bool(p["bias"]))  # at every position
    elif kind == "linear":
        d = _flat(shape, path, kind)
        m = nn.Linear(d, int(p["out"]), bias=bool(p["bias"]))
    elif kind == "conv2d":
        c = _image(shape, path, kind)[0]
        kernel = _pair(p["kernel"], path, "kernel")
        stride = _pair(p["stride"], path, "stride")
        if p["padding"] == "same":
            if stride != (1, 1):
                raise SpecError(f"{path}.padding: \"same\" needs stride 1, got {list(stride)}")
            padding = "same"
        else:
            padding = _pair(p["padding"], path, "padding")
        m = nn.Conv2d(c, int(p["out"]), kernel, stride=stride, padding=padding, bias=bool(p["bias"]))
    elif kind in ("maxpool2d", "avgpool2d"):
        _image(shape, path, kind)
        kernel = _pair(p["kernel"], path, "kernel")
        stride = kernel if p["stride"] is None else _pair(p["stride"], path, "stride")
        padding = _pair(p["padding"], path, "padding")
        if kind == "maxpool2d":
            m = nn.MaxPool2d(kernel, stride=stride, padding=padding)
        else:
            m = nn.AvgPool2d(kernel, stride=stride, padding=padding, count_include_pad=True)
    elif kind == "flatten":
        m = nn.Flatten()
    elif kind in ACTIVATIONS:
        m = ACTIVATIONS[kind]()
    elif kind == "leaky_relu":
        m = nn.LeakyReLU(float(p["slope"]))
    elif kind == "dropout":
        m = nn.Dropout(float(p["p"]))
    elif kind == "dropout2d":
        _image(shape, path, kind)
        m = nn.Dropout2d(float(p["p"]))
    elif kind == "batchnorm":
        eps, momentum = float(p["eps"]), float(p["momentum"])
        if len(shape) in (1, 2):  # [D], or [C, T] per channel
            m = nn.BatchNorm1d(shape[0], eps=eps, momentum=momentum)
        elif len(shape) == 3:
            m = nn.BatchNorm2d(shape[0], eps=eps, momentum=momentum)
        else:
            raise SpecError(f"{path}: batchnorm needs [D] or [C, H, W], got {shape}")
    elif kind == "layernorm":
        eps = float(p["eps"])
        if len(shape) in (1, 2):
            m = nn.LayerNorm(shape[-1], eps=eps)
        elif len(shape) == 3:
            m = nn.GroupNorm(1, shape[0], eps=eps)
        else:
            raise SpecError(f"{path}: layernorm needs [D] or [C, H, W], got {shape}")
    elif kind == "instancenorm":
        c = _image(shape, path, kind)[0]
        m = nn.InstanceNorm2d(c, eps=float(p["eps"]), affine=True)
    elif kind == "rmsnorm":
        m = nn.RMSNorm(shape[-1:] if len(shape) == 2 else shape, eps=float(p["eps"]))
    elif kind in ("conv1d", "maxpool1d", "avgpool1d", "global_avgpool", "global_maxpool", "transpose"):
        m = _sequence_layer(kind, p, shape, path)
    elif kind == "residual":
        body, body_shape = _sequential(p["body"], shape, f"{path}.body")
        shortcut, short_shape = _sequential(p["shortcut"], shape, f"{path}.shortcut")
        if body_shape != short_shape:
            raise SpecError(
                f"{path}: body output {body_shape} and shortcut output {short_shape} differ"
            )
        m = Residual(body, shortcut)
    elif kind in RECURRENT:
        if len(shape) != 2:
            raise SpecError(f"{path}: {kind} needs an input of shape [T, F], got {shape}")
        m = RECURRENT[kind](shape[1], int(p["hidden"]), int(p["layers"]), bool(p["bidirectional"]), p["return"])
    elif kind == "embedding":
        if len(shape) != 1:
            raise SpecError(f"{path}: embedding needs ids [T], got {shape}")
        m = Embedding(int(p["vocab"]), int(p["dim"]))
    elif kind == "positional_embedding":
        m = PositionalEmbedding(int(p["max_len"]), _sequence(shape, path, kind)[1])
    elif kind == "attention":
        m = SelfAttention(_sequence(shape, path, kind)[1], int(p["heads"]), bool(p["causal"]), float(p["dropout"]))
    else:  # pragma: no cover
        raise SpecError(f"{path}.type: unhandled {kind}")
    return m.to(DTYPE)


def output_shape(module, input_shape):
    """Per-sample output shape, by a dummy eval-mode forward pass of one zero sample."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            y = module(torch.zeros([1] + list(input_shape), dtype=DTYPE))
    finally:
        module.train(was_training)
    return list(y.shape[1:])


def _sequential(layers, input_shape, path):
    if not isinstance(layers, list):
        raise SpecError(f"{path}: expected a list of layers")
    modules = []
    shape = list(input_shape)
    for i, spec in enumerate(layers):
        lpath = f"{path}[{i}]"
        m = build_torch_layer(spec, shape, lpath)
        try:
            shape = output_shape(m, shape)
        except RuntimeError as e:
            raise SpecError(f"{lpath}: input {shape} does not fit: {e}") from None
        modules.append(m)
    return nn.Sequential(*modules), shape


def build_torch_model(layers, input_shape, path="model.layers"):
    """nn.Sequential of the dnn layer list (parameterless layers included)."""
    return _sequential(layers, input_shape, path)[0]


def model_output_shape(layers, input_shape):
    return _sequential(layers, input_shape, "model.layers")[1]


# ---------------------------------------------------------------------------
# Deterministic non-default initialisation (uses the global torch RNG).

NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm2d, nn.RMSNorm)


@torch.no_grad()
def randomize_(model):
    """Every parameter and running statistic to random, non-default values.

    linear/conv: weight ~ 0.5 N(0,1), bias ~ 0.1 N(0,1); norms: weight ~ 1 + 0.1 N(0,1),
    bias ~ 0.1 N(0,1), running_mean ~ 0.5 N(0,1), running_var ~ U[0.5, 1.5).
    num_batches_tracked stays 0. Order: model.modules() order.
    """
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.Conv1d)):
            m.weight.copy_(torch.randn(m.weight.shape, dtype=DTYPE) * 0.5)
            if m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape, dtype=DTYPE) * 0.1)
        elif isinstance(m, nn.MultiheadAttention):
            m.in_proj_bias.copy_(torch.randn(m.in_proj_bias.shape, dtype=DTYPE) * 0.1)
        elif isinstance(m, NORMS):
            if getattr(m, "weight", None) is not None:
                m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, dtype=DTYPE))
            if getattr(m, "bias", None) is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, dtype=DTYPE))
            if getattr(m, "running_mean", None) is not None:
                m.running_mean.copy_(0.5 * torch.randn(m.running_mean.shape, dtype=DTYPE))
            if getattr(m, "running_var", None) is not None:
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, dtype=DTYPE))
    return model


def reg_weights(model):
    """The weights that dnn's `reg` covers: linear and conv weights, residuals included."""
    return [m.weight for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d, nn.Conv1d))]


def tensor_json(t):
    """{"shape": [...], "data": [flat row-major values]} with full double precision."""
    t = t.detach().cpu()
    if t.is_floating_point():
        t = t.to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def state_json(module):
    return {k: tensor_json(v) for k, v in module.state_dict().items()}

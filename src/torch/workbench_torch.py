"""PyTorch twins of the webgpu-workbench models, and the safetensors files they travel in.

A file exported by the workbench (`npm run export`, `npm run train -- ... --export`, or "Download for PyTorch")
holds one model's weights under the state_dict keys of its twin here, and metadata naming the model and its
configuration (`workbench.model`, `workbench.config`), so `load` rebuilds the twin and loads it with strict=True.

    model, meta = load("relu10.safetensors")
    y = model(x)                      # the same outputs as the workbench's model on the same inputs
    save("relu10-more.safetensors", model, meta)   # the workbench imports this

Layouts follow torch.nn (a Linear weight is [out, in]); the workbench transposes on export and import (its
src/io/torch-layout.ts lists the rules). Only the standard library, numpy and torch are used: the safetensors
reader and writer below are plain json + struct.
"""

import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MAX_HEADER_BYTES = 100 * 1024 * 1024
_READ_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
_DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2}


# ---- safetensors ----


def _no_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the header names '{key}' twice")
        out[key] = value
    return out


def read_safetensors(path):
    """(tensors as float32, metadata) of a safetensors file; raises ValueError naming what is wrong."""
    if sys.byteorder != "little":
        raise RuntimeError("this reader assumes a little-endian machine")
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"truncated file: {len(raw)} bytes")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > MAX_HEADER_BYTES:
        raise ValueError(f"header length {n} exceeds {MAX_HEADER_BYTES} bytes")
    if 8 + n > len(raw):
        raise ValueError(f"header length {n} runs past the end of the file ({len(raw)} bytes)")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"), object_pairs_hook=_no_duplicates)
    metadata = header.pop("__metadata__", {}) or {}
    data = raw[8 + n :]
    entries = sorted(header.items(), key=lambda kv: tuple(kv[1]["data_offsets"]))
    at = 0
    tensors = {}
    for name, info in entries:
        begin, end = info["data_offsets"]
        if begin != at:
            raise ValueError(f"tensor '{name}' starts at {begin}, the previous tensor ended at {at}")
        dtype = info["dtype"]
        if dtype not in _READ_DTYPES:
            raise ValueError(f"tensor '{name}' has dtype {dtype}; F32, F16 and BF16 are read")
        shape = info["shape"]
        if end - begin != math.prod(shape) * _DTYPE_BYTES[dtype]:
            raise ValueError(f"tensor '{name}': {end - begin} bytes for shape {shape} of {dtype}")
        buf = bytearray(data[begin:end])
        if len(buf) == 0:
            t = torch.zeros(shape, dtype=torch.float32)
        else:
            t = torch.frombuffer(buf, dtype=_READ_DTYPES[dtype]).reshape(shape).float()
        tensors[name] = t
        at = end
    if at != len(data):
        raise ValueError(f"the tensors cover {at} of {len(data)} data bytes")
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Write float32 tensors (a name -> tensor mapping, e.g. a state_dict) and string metadata."""
    header = {"__metadata__": {str(k): str(v) for k, v in metadata.items()}}
    chunks = []
    offset = 0
    for name, t in tensors.items():
        b = t.detach().to("cpu", torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in chunks:
            f.write(b)


# ---- layers, as the workbench's src/nn has them ----


class MLP(nn.ModuleList):
    """Linear layers [in, hidden..., out] with `activation` (ReLU) after every one but the last (keys "0.weight", ...)."""

    def __init__(self, sizes, activation=torch.relu):
        super().__init__(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))
        self.activation = activation

    def forward(self, x):
        for i, layer in enumerate(self):
            x = layer(x)
            if i < len(self) - 1:
                x = self.activation(x)
        return x


class AttentionMixture(nn.Module):
    """y = sum_i softmax(scores(x))_i * values(x)_i: the seed article's attention layer."""

    def __init__(self, in_features, experts):
        super().__init__()
        self.values = nn.Linear(in_features, experts)
        self.scores = nn.Linear(in_features, experts)

    def weights(self, x):
        return torch.softmax(self.scores(x), dim=-1)

    def forward(self, x):
        return (self.weights(x) * self.values(x)).sum(-1)


class MultiHeadAttention(nn.Module):
    """Causal self-attention: softmax(q k^T / sqrt(head size) + causal mask) v, heads concatenated, then o."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.o = nn.Linear(width, width)

    def forward(self, x):
        B, T, C = x.shape
        hs = C // self.heads

        def split(t):
            return t.view(B, T, self.heads, hs).transpose(1, 2)  # (B, heads, T, hs)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-2, -1) / math.sqrt(hs)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        att = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
        return self.o((att @ v).transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Post-norm transformer block: x = LN(x + MHA(x)); x = LN(x + FFN(x))."""

    def __init__(self, width, heads, hidden):
        super().__init__()
        self.attn = MultiHeadAttention(width, heads)
        self.ln1 = nn.LayerNorm(width, eps=1e-5)
        self.ffn = MLP([width, hidden, width])
        self.ln2 = nn.LayerNorm(width, eps=1e-5)

    def forward(self, x):
        h = self.ln1(x + self.attn(x))
        return self.ln2(h + self.ffn(h))


# ---- the registry's models ----


class LinearRegression(nn.Module):
    """line (x), plane (x, z), poly (x*z, x): y = w . features + b."""

    def __init__(self, in_features, features=None):
        super().__init__()
        self.features = features
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x):
        return self.linear(x).squeeze(-1)

    def loss(self, x, y, labels=None):
        return F.mse_loss(self(x), y)


class ReluRegression(nn.Module):
    """relu2, relu10, experts-relu7, experts-relu43: a ReLU MLP over two features."""

    def __init__(self, sizes):
        super().__init__()
        self.mlp = MLP(sizes)

    def forward(self, x):
        return self.mlp(x).squeeze(-1)

    def loss(self, x, y, labels=None):
        return F.mse_loss(self(x), y)


class MixtureRegression(nn.Module):
    """grain-attention (3 experts), experts-attention (5)."""

    def __init__(self, in_features, experts):
        super().__init__()
        self.mixture = AttentionMixture(in_features, experts)

    def forward(self, x):
        return self.mixture(x)

    def loss(self, x, y, labels=None):
        return F.mse_loss(self(x), y)


class Switch(nn.Module):
    """A softmax classifier on z chained into ReLU-gated linear regressors on x, outputs summed.

    p = softmax(classifier(z)); h = relu(slope(x) + gate(p)); y = sum_k h_k. The loss adds class_weight times the
    classifier's cross-entropy on the grain labels.
    """

    def __init__(self, grains, class_weight):
        super().__init__()
        self.class_weight = class_weight
        self.classifier = nn.Linear(1, grains)
        self.slope = nn.Linear(1, grains, bias=False)
        self.gate = nn.Linear(grains, grains)

    def parts(self, x):
        logits = self.classifier(x[:, 1:2])
        h = torch.relu(self.slope(x[:, 0:1]) + self.gate(torch.softmax(logits, dim=-1)))
        return h, logits

    def forward(self, x):
        return self.parts(x)[0].sum(-1)

    def loss(self, x, y, labels=None):
        h, logits = self.parts(x)
        water = F.mse_loss(h.sum(-1), y)
        if labels is None or self.class_weight == 0:
            return water
        return water + self.class_weight * F.cross_entropy(logits, labels)


class Transformer(nn.Module):
    """Token + learned position embeddings, post-norm causal blocks, a linear head over the vocabulary."""

    def __init__(self, vocab, context, width, heads, layers, hidden):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads, hidden) for _ in range(layers))
        self.head = nn.Linear(width, vocab)

    def forward(self, ids):
        """ids (B, T) -> next-token logits at every position (B, T, vocab)."""
        h = self.tokens(ids) + self.positions(torch.arange(ids.shape[1], device=ids.device))
        for block in self.blocks:
            h = block(h)
        return self.head(h)

    def loss(self, ids, answers):
        """Cross-entropy of the token after the last position (the recipe's answer after WATER)."""
        return F.cross_entropy(self(ids)[:, -1, :], answers)


def build_model(meta):
    """The twin of the file's model, from its workbench.config."""
    c = json.loads(meta["workbench.config"])
    kind = c["kind"]
    if kind == "linear":
        return LinearRegression(c["in_features"], c.get("features"))
    if kind == "mlp":
        return ReluRegression(c["sizes"])
    if kind == "mixture":
        return MixtureRegression(c["in_features"], c["experts"])
    if kind == "switch":
        return Switch(c["grains"], c["class_weight"])
    if kind == "transformer":
        return Transformer(c["vocab"], c["context"], c["width"], c["heads"], c["layers"], c["hidden"])
    raise ValueError(f"unknown model kind '{kind}' in workbench.config")


def load(path):
    """(model, metadata) of an exported file; every tensor must match the twin's state_dict (strict=True)."""
    tensors, meta = read_safetensors(path)
    if "workbench.config" not in meta:
        raise ValueError(f"{path} has no workbench.config metadata: not exported by the workbench")
    model = build_model(meta)
    model.load_state_dict(tensors, strict=True)
    return model, meta


def save(path, model, meta, **updates):
    """Write the model's state_dict with the file's metadata (and `updates`, e.g. step=...) for the workbench."""
    out = dict(meta)
    for k, v in updates.items():
        out[f"workbench.{k}"] = str(v)
    write_safetensors(path, model.state_dict(), out)


def training_data(meta):
    """The rows the workbench trained on (workbench.data) as tensors: the keyword arguments of model.loss."""
    d = json.loads(meta["workbench.data"])
    if "ids" in d:
        return {"ids": torch.tensor(d["ids"], dtype=torch.long), "answers": torch.tensor(d["answers"], dtype=torch.long)}
    return {
        "x": torch.tensor(d["x"], dtype=torch.float32),
        "y": torch.tensor(d["y"], dtype=torch.float32),
        "labels": torch.tensor(d["labels"], dtype=torch.long),
    }


def model_inputs(model, rows):
    """Inputs for model(...) from JSON rows: feature rows for the regressions, token-id rows for the transformer."""
    dtype = torch.long if isinstance(model, Transformer) else torch.float32
    return torch.tensor(rows, dtype=dtype)

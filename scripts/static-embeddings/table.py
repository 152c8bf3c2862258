"""What both table scripts share: each piece's vector from the model alone, and the file format.

File layout (little-endian): b"FQSE", u32 version 1, u32 pieces, u32 dimensions; f32 scale per
piece; i8 vector per piece; then the vocabulary, one piece per line.
"""
import os
import struct

import numpy as np

from bert import HIDDEN, MODEL, forward

DIMS = 128


def vocabulary():
    return [line.rstrip("\n") for line in open(os.path.join(MODEL, "vocab.txt"), encoding="utf-8")]


def pieces_alone(count):
    """Each word piece run through the model alone ([CLS] piece [SEP], mean-pooled)."""
    raw = np.zeros((count, HIDDEN), dtype=np.float32)
    for start in range(0, count, 1024):
        n = min(1024, count - start)
        ids = np.zeros((n, 3), dtype=np.int64)
        ids[:, 0], ids[:, 1], ids[:, 2] = 101, np.arange(start, start + n), 102
        raw[start:start + n] = forward(ids, np.ones((n, 3), dtype=np.float32)).mean(1)
    return raw


def write(raw, vocab, out):
    """Centres the vectors, reduces them to DIMS by PCA (fitted on the pieces after the 1,000
    reserved ones) and writes them as one signed byte per dimension with a scale per row."""
    centred = raw - raw.mean(0)
    _, _, vt = np.linalg.svd(centred[1000:], full_matrices=False)
    vectors = (centred @ vt[:DIMS].T).astype(np.float32)
    scale = np.abs(vectors).max(1) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.clip(np.round(vectors / scale[:, None]), -127, 127).astype(np.int8)
    with open(out, "wb") as f:
        f.write(b"FQSE")
        f.write(struct.pack("<III", 1, len(vocab), DIMS))
        f.write(scale.astype("<f4").tobytes())
        f.write(quantised.tobytes())
        f.write("\n".join(vocab).encode("utf-8"))
    print("wrote", out)

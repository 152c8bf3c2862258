"""BERT's uncased word pieces of a text, as the model's tokenizer.json splits it."""
from tokenizers import Tokenizer

from bert import MODEL

_TOKENIZER = Tokenizer.from_file(MODEL + "tokenizer.json")
_TOKENIZER.no_padding()
_TOKENIZER.no_truncation()


def pieces(text):
    return _TOKENIZER.encode(text, add_special_tokens=False).ids

"""Tokenization: BERT's basic tokenizer + WordPiece, packing, vocabularies.

`BertTokenizer` uses tensorflow-text's fast kernels (imported only when one
is built); `CoreBertTokenizer` uses core TensorFlow ops only, for text-in
SavedModels that stock TF Serving loads. Both give Google's ids.
"""

from kbert.text.bert_tokenizer import BertTokenizer
from kbert.text.core_bert_tokenizer import CoreBertTokenizer
from kbert.text.pack_segments import pack_for, pack_segments
from kbert.text.vocabulary import SPECIAL_TOKENS, load_vocabulary

__all__ = [
    "BertTokenizer",
    "CoreBertTokenizer",
    "SPECIAL_TOKENS",
    "load_vocabulary",
    "pack_for",
    "pack_segments",
]

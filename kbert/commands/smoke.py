"""Builds a small BERT and runs it end to end on one sentence."""

import numpy as np


def add_arguments(parser):
    parser.add_argument("--preset", default="bert_tiny")
    parser.add_argument("--seed", type=int, default=0)


def run(args):
    import keras

    from kbert.models import BertBackbone, BertPretrainer

    keras.utils.set_random_seed(args.seed)
    backbone = BertBackbone.from_preset(args.preset)
    pretrainer = BertPretrainer(backbone)
    # "[CLS] the cat [MASK] on the mat . [SEP]" in the BERT uncased vocabulary.
    token_ids = np.array([[101, 1996, 4937, 103, 2006, 1996, 13523, 1012, 102]])
    features = {
        "token_ids": token_ids.astype("int32"),
        "segment_ids": np.zeros_like(token_ids, "int32"),
        "padding_mask": np.ones_like(token_ids, "int32"),
        "mask_positions": np.array([[3]], "int32"),
    }
    outputs = pretrainer.predict(features, verbose=0)
    top = np.argsort(outputs["mlm"][0, 0])[::-1][:5]
    print(
        f"backend: {keras.backend.backend()}; model: {args.preset} "
        f"({backbone.count_params():,} parameters, random weights)"
    )
    print(f"token_ids: {token_ids[0].tolist()}")
    print(f"top-5 ids at the [MASK]: {top.tolist()}")
    print(f"NSP logits: {np.round(outputs['nsp'][0], 4).tolist()}")

"""Builds a kbert model around converted weights."""

import warnings

from kbert.convert import bert_weights


def assemble_model(arguments, vocabulary, lowercase, tensors, describe=str):
    """Makes a `BertBackbone` or `BertPretrainer` holding `tensors`.

    A checkpoint with masked-LM or next-sentence weights gives a
    `BertPretrainer`; one with the encoder alone gives a `BertBackbone`.
    A pretraining checkpoint that has only one of the two heads gives a
    `BertPretrainer` whose other head keeps its random initialisation, with
    a warning.

    Args:
        arguments: `BertBackbone` keyword arguments (from the config).
        vocabulary: the token list, attached with `set_vocabulary`.
        lowercase: whether the vocabulary is uncased.
        tensors: `{canonical name: array}` (see `bert_weights`).
        describe: canonical name -> checkpoint name, for error messages.

    Returns:
        The model, with its vocabulary attached.
    """
    from kbert.models import BertBackbone, BertPretrainer

    backbone = BertBackbone(**arguments, lowercase=lowercase)
    backbone.set_vocabulary(vocabulary)
    has_mlm = any(name.startswith("cls/predictions/") for name in tensors)
    has_nsp = any(name.startswith("cls/seq_relationship/") for name in tensors)
    groups = {bert_weights.BACKBONE}
    model = backbone
    if has_mlm or has_nsp:
        model = BertPretrainer(backbone)
        if has_mlm:
            groups.add(bert_weights.MLM)
        if has_nsp:
            groups.add(bert_weights.NSP)
        absent = [head for head, present in
                  (("masked-LM", has_mlm), ("next-sentence", has_nsp))
                  if not present]
        if absent:
            warnings.warn(
                f"The checkpoint has no {absent[0]} head weights; that head "
                "of the BertPretrainer keeps its random initialisation.",
                stacklevel=3,
            )
    expected = bert_weights.canonical_shapes(model, groups)
    unused = sorted(set(tensors) - set(expected))
    if unused:
        shown = [describe(name) for name in unused[:8]]
        raise ValueError(
            f"The checkpoint has {len(unused)} tensor(s) that are not part "
            f"of a BERT encoder or its pretraining heads, e.g. {shown}. "
            "kbert converts BERT backbones and pretraining checkpoints."
        )
    bert_weights.set_canonical_weights(model, tensors, groups, describe)
    return model

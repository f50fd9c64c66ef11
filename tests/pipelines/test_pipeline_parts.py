"""The pipelines' own pieces, on hand-made cases with known answers."""

import pytest

from kbert.pipelines.token_classification_pipeline import entity_spans

VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat",
              "sat", ".", "on", "mat"]  # fmt: skip


@pytest.mark.parametrize(
    "tags, spans",
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
        # A stray I- starts a chunk, as conlleval reads it.
        (["O", "I-ORG", "I-ORG"], [("ORG", 1, 2)]),
        # A new type, or B- of the same type, starts a new chunk.
        (["B-PER", "I-LOC", "B-LOC", "I-LOC"],
         [("PER", 0, 0), ("LOC", 1, 1), ("LOC", 2, 3)]),
        (["O", "O"], []),
        ([], []),
    ],
)  # fmt: skip
def test_entity_spans_read_iob2(tags, spans):
    assert entity_spans(tags) == spans


def test_fill_mask_splits_out_the_literal_mask_before_wordpiece():
    from kbert.models import BertBackbone, BertPretrainer
    from kbert.pipelines import FillMaskPipeline

    backbone = BertBackbone.from_preset(
        "bert_tiny", vocabulary_size=len(VOCABULARY), max_sequence_length=8
    )
    backbone.set_vocabulary(VOCABULARY)
    fill = FillMaskPipeline(BertPretrainer(backbone), top_k=2)
    # [CLS] the [MASK] sat on [MASK] [SEP]; "[MASK]" is not "[", "mask", "]".
    assert fill.token_ids("The [MASK] sat on [MASK]") == [2, 5, 4, 7, 9, 4, 3]
    # Cut to 8 tokens: the second mask falls off, so it gets no prediction.
    text = "the [MASK] sat on the mat . [MASK]"
    assert fill.token_ids(text) == [2, 5, 4, 7, 9, 5, 10, 3]
    (masks,) = fill([text])
    assert len(masks) == 1 and len(masks[0]) == 2
    assert fill(["no mask here"]) == [[]]

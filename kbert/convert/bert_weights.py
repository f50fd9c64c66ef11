"""kbert's weights under BERT's canonical (Google) variable names.

Every converter goes through one table: Google's TF1 variable names, such as
`bert/encoder/layer_0/attention/self/query/kernel`, with Google's shapes
(dense kernels `(in, out)`, `cls/seq_relationship/output_weights` `(2, H)`).
A reader turns a checkpoint into `{canonical name: array}`; this module puts
those arrays into a kbert model and takes them out again. kbert's fused
query/key/value kernel is the concatenation of the three canonical kernels
along the output axis.
"""

import numpy as np

BACKBONE = "backbone"
MLM = "mlm"
NSP = "nsp"


class _Slot:
    """One model variable and the canonical tensor(s) it is made of.

    Args:
        group: BACKBONE, MLM or NSP.
        names: canonical names, in the order they are concatenated.
        variable: the keras variable.
        axis: concatenation axis for fused slots (query/key/value).
        transpose: the canonical tensor is the transpose of the variable.
    """

    def __init__(self, group, names, variable, axis=-1, transpose=False):
        self.group = group
        self.names = tuple(names)
        self.variable = variable
        self.axis = axis
        self.transpose = transpose

    def split(self, value):
        """Model value -> `{canonical name: array}`."""
        value = np.asarray(value)
        if self.transpose:
            value = value.T
        parts = np.split(value, len(self.names), axis=self.axis)
        return dict(zip(self.names, parts))

    def join(self, tensors):
        """`{canonical name: array}` -> model value."""
        parts = [tensors[name] for name in self.names]
        value = parts[0] if len(parts) == 1 else np.concatenate(
            parts, axis=self.axis
        )
        return value.T if self.transpose else value

    def expected_shapes(self):
        zeros = np.zeros(tuple(self.variable.shape), np.float32)
        return {name: part.shape for name, part in self.split(zeros).items()}


def _dense(group, prefix, layer):
    return [
        _Slot(group, [prefix + "/kernel"], layer.kernel),
        _Slot(group, [prefix + "/bias"], layer.bias),
    ]


def _layer_norm(group, prefix, layer):
    return [
        _Slot(group, [prefix + "/gamma"], layer.gamma),
        _Slot(group, [prefix + "/beta"], layer.beta),
    ]


def _backbone_slots(backbone):
    embeddings = backbone.embeddings
    slots = [
        _Slot(
            BACKBONE,
            ["bert/embeddings/word_embeddings"],
            embeddings.token_embedding.embeddings,
        ),
        _Slot(
            BACKBONE,
            ["bert/embeddings/token_type_embeddings"],
            embeddings.segment_embedding.embeddings,
        ),
        _Slot(
            BACKBONE,
            ["bert/embeddings/position_embeddings"],
            embeddings.position_embedding.embeddings,
        ),
        *_layer_norm(
            BACKBONE, "bert/embeddings/LayerNorm", embeddings.layer_norm
        ),
    ]
    for index, block in enumerate(backbone.encoder_blocks):
        prefix = f"bert/encoder/layer_{index}"
        qkv = [f"{prefix}/attention/self/{part}" for part in
               ("query", "key", "value")]
        attention = block.attention
        slots += [
            _Slot(
                BACKBONE,
                [name + "/kernel" for name in qkv],
                attention.qkv_dense.kernel,
                axis=1,
            ),
            _Slot(
                BACKBONE,
                [name + "/bias" for name in qkv],
                attention.qkv_dense.bias,
                axis=0,
            ),
            *_dense(
                BACKBONE,
                f"{prefix}/attention/output/dense",
                attention.output_dense,
            ),
            *_layer_norm(
                BACKBONE,
                f"{prefix}/attention/output/LayerNorm",
                block.attention_layer_norm,
            ),
            *_dense(
                BACKBONE,
                f"{prefix}/intermediate/dense",
                block.intermediate_dense,
            ),
            *_dense(BACKBONE, f"{prefix}/output/dense", block.output_dense),
            *_layer_norm(
                BACKBONE,
                f"{prefix}/output/LayerNorm",
                block.output_layer_norm,
            ),
        ]
    slots += _dense(BACKBONE, "bert/pooler/dense", backbone.pooler.dense)
    return slots


def _head_slots(pretrainer):
    mlm = pretrainer.mlm_head
    nsp = pretrainer.nsp_head
    return [
        *_dense(MLM, "cls/predictions/transform/dense", mlm.transform_dense),
        *_layer_norm(
            MLM, "cls/predictions/transform/LayerNorm", mlm.layer_norm
        ),
        _Slot(MLM, ["cls/predictions/output_bias"], mlm.output_bias),
        # Google keeps the NSP weights as (2, H) and multiplies by their
        # transpose; a keras Dense kernel is (H, 2).
        _Slot(
            NSP,
            ["cls/seq_relationship/output_weights"],
            nsp.dense.kernel,
            transpose=True,
        ),
        _Slot(NSP, ["cls/seq_relationship/output_bias"], nsp.dense.bias),
    ]


def _slots(model, groups=None):
    if hasattr(model, "backbone"):
        slots = _backbone_slots(model.backbone) + _head_slots(model)
    else:
        slots = _backbone_slots(model)
    if groups is not None:
        slots = [slot for slot in slots if slot.group in groups]
    return slots


def canonical_shapes(model, groups=None):
    """Canonical names and shapes the model's weights are made of.

    Args:
        model: a `BertBackbone` or `BertPretrainer`.
        groups: restrict to these of "backbone", "mlm", "nsp"; all by default.

    Returns:
        An ordered dict `{canonical name: shape tuple}`.

    Example:
    >>> from kbert.models import BertBackbone
    >>> model = BertBackbone.from_preset("bert_tiny", vocabulary_size=10)
    >>> canonical_shapes(model)["bert/embeddings/word_embeddings"]
    (10, 128)
    """
    shapes = {}
    for slot in _slots(model, groups):
        shapes.update(slot.expected_shapes())
    return shapes


def get_canonical_weights(model):
    """Returns `{canonical name: float32 numpy array}` of a kbert model.

    Args:
        model: a `BertBackbone` or `BertPretrainer`.

    Returns:
        A dict in canonical (Google) names and shapes.
    """
    tensors = {}
    for slot in _slots(model):
        tensors.update(slot.split(np.asarray(slot.variable.numpy())))
    return tensors


def set_canonical_weights(model, tensors, groups=None, describe=str):
    """Assigns canonical tensors to a kbert model's variables.

    Args:
        model: a `BertBackbone` or `BertPretrainer`.
        tensors: `{canonical name: array}`; must hold every name of the
            slots in `groups`.
        groups: the weight groups to assign; all by default.
        describe: maps a canonical name to the name the checkpoint uses,
            for error messages.

    Raises:
        ValueError: a tensor is missing or has the wrong shape (naming the
            tensor and both shapes).
    """
    for slot in _slots(model, groups):
        for name, shape in slot.expected_shapes().items():
            if name not in tensors:
                raise ValueError(
                    f"The checkpoint has no tensor {describe(name)!r}, "
                    "which the model needs."
                )
            got = tuple(np.shape(tensors[name]))
            if got != tuple(shape):
                raise ValueError(
                    f"Shape mismatch for tensor {describe(name)!r}: the "
                    f"checkpoint has shape {got} but the model expects "
                    f"{tuple(shape)}. Check that the config matches the "
                    "weights."
                )
        value = slot.join(tensors).astype(slot.variable.dtype)
        slot.variable.assign(value)

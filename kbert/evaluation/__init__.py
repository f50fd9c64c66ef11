"""Metrics: SQuAD EM/F1 and answer decoding, entity F1, GLUE metrics."""

from kbert.evaluation.entity_f1 import entity_scores, extract_entities
from kbert.evaluation.glue_metrics import (
    TASK_METRICS,
    accuracy,
    binary_f1,
    glue_metrics,
    matthews_correlation,
    pearson,
    spearman,
)
from kbert.evaluation.squad_decoding import decode_answers, null_scores
from kbert.evaluation.squad_metric import (
    exact_match,
    normalize_answer,
    squad_scores,
    token_f1,
)
from kbert.evaluation.squad_v2_metric import squad_v2_scores

__all__ = [
    "TASK_METRICS",
    "accuracy",
    "binary_f1",
    "decode_answers",
    "null_scores",
    "entity_scores",
    "exact_match",
    "extract_entities",
    "glue_metrics",
    "matthews_correlation",
    "normalize_answer",
    "pearson",
    "spearman",
    "squad_scores",
    "squad_v2_scores",
    "token_f1",
]

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
from kbert.evaluation.squad_decoding import decode_answers
from kbert.evaluation.squad_metric import (
    exact_match,
    normalize_answer,
    squad_scores,
    token_f1,
)

__all__ = [
    "TASK_METRICS",
    "accuracy",
    "binary_f1",
    "decode_answers",
    "entity_scores",
    "exact_match",
    "extract_entities",
    "glue_metrics",
    "matthews_correlation",
    "normalize_answer",
    "pearson",
    "spearman",
    "squad_scores",
    "token_f1",
]

"""GLUE metrics: accuracy, F1, Matthews correlation, Pearson, Spearman.

Accuracy and F1 are percentages (0-100), as GLUE reports them; the
correlations are coefficients in [-1, 1].
"""

import numpy as np

# The metrics GLUE reports for each task on the bundled dev sets.
TASK_METRICS = {
    "sst2": ("accuracy",),
    "mrpc": ("accuracy", "f1"),
    "rte": ("accuracy",),
    "qnli": ("accuracy",),
    "stsb": ("pearson", "spearman"),
    "cola": ("matthews", "accuracy"),
}


def _pair(predictions, labels):
    predictions = np.asarray(predictions)
    labels = np.asarray(labels)
    if predictions.shape != labels.shape or predictions.ndim != 1:
        raise ValueError(
            "Predictions and labels must be 1-D and of the same length; "
            f"received shapes {predictions.shape} and {labels.shape}."
        )
    if labels.size == 0:
        raise ValueError("Cannot score an empty set of predictions.")
    return predictions, labels


def accuracy(predictions, labels):
    """Percentage of predictions equal to their label."""
    predictions, labels = _pair(predictions, labels)
    return 100.0 * float(np.mean(predictions == labels))


def binary_f1(predictions, labels, positive=1):
    """F1 (percent) of the positive class; 0 when it is never hit."""
    predictions, labels = _pair(predictions, labels)
    true_positive = np.sum((predictions == positive) & (labels == positive))
    if true_positive == 0:
        return 0.0
    precision = true_positive / np.sum(predictions == positive)
    recall = true_positive / np.sum(labels == positive)
    return float(100.0 * 2 * precision * recall / (precision + recall))


def matthews_correlation(predictions, labels):
    """Matthews correlation of binary 0/1 predictions; 0 when undefined."""
    predictions, labels = _pair(predictions, labels)
    tp = float(np.sum((predictions == 1) & (labels == 1)))
    tn = float(np.sum((predictions == 0) & (labels == 0)))
    fp = float(np.sum((predictions == 1) & (labels == 0)))
    fn = float(np.sum((predictions == 0) & (labels == 1)))
    denominator = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    if denominator == 0:
        return 0.0
    return float((tp * tn - fp * fn) / denominator)


def pearson(predictions, labels):
    """Pearson correlation coefficient; 0 when either side is constant."""
    predictions, labels = _pair(predictions, labels)
    x = predictions.astype("float64") - predictions.mean()
    y = labels.astype("float64") - labels.mean()
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    if denominator == 0:
        return 0.0
    return float((x * y).sum() / denominator)


def _ranks(values):
    """1-based ranks, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    ranks = np.empty(len(values), "float64")
    start = 0
    while start < len(values):
        end = start
        while (
            end + 1 < len(values)
            and sorted_values[end + 1] == (sorted_values[start])
        ):
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(predictions, labels):
    """Spearman rank correlation (Pearson of tie-averaged ranks)."""
    predictions, labels = _pair(predictions, labels)
    return pearson(_ranks(predictions), _ranks(labels))


_FUNCTIONS = {
    "accuracy": accuracy,
    "f1": binary_f1,
    "matthews": matthews_correlation,
    "pearson": pearson,
    "spearman": spearman,
}


def glue_metrics(task, predictions, labels):
    """The metrics GLUE reports for `task`, as a dict name -> value.

    Args:
        task: one of `TASK_METRICS` (sst2, mrpc, rte, qnli, stsb, cola).
        predictions: predicted class ids (or scores for stsb).
        labels: gold class ids (or scores).

    Example:
    >>> glue_metrics("mrpc", [1, 1, 0, 0], [1, 0, 0, 1])
    {'accuracy': 50.0, 'f1': 50.0}
    """
    if task not in TASK_METRICS:
        raise ValueError(
            f"Unknown GLUE task {task!r}; expected one of "
            f"{sorted(TASK_METRICS)}."
        )
    return {
        name: _FUNCTIONS[name](predictions, labels)
        for name in TASK_METRICS[task]
    }

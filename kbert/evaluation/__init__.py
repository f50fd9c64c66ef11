"""kbert.evaluation."""

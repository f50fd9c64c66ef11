"""kbert.training."""

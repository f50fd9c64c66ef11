"""kbert.convert."""

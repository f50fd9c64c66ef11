"""kbert.export."""

"""Picking rows of a sequence at given positions, alike on every backend."""

from keras import ops


def gather_positions(sequence, positions):
    """The rows of `sequence` at `positions`, batch by batch.

    Args:
        sequence: `(B, T, H)`.
        positions: int `(B, K)` indices into `T`.

    Returns:
        `(B, K, H)`: `out[b, k] = sequence[b, positions[b, k]]`.
    """
    batch_size = ops.shape(sequence)[0]
    sequence_length = ops.shape(sequence)[1]
    num_positions = ops.shape(positions)[1]
    hidden_dim = sequence.shape[-1]
    # Rows of the flattened (B * T, H) sequence: the same on every backend,
    # where take_along_axis broadcasting is not.
    row_offsets = ops.arange(batch_size, dtype="int32") * sequence_length
    flat_positions = ops.reshape(
        ops.cast(positions, "int32") + row_offsets[:, None], (-1,)
    )
    flat_sequence = ops.reshape(sequence, (-1, hidden_dim))
    rows = ops.take(flat_sequence, flat_positions, axis=0)  # (B * K, H)
    return ops.reshape(rows, (batch_size, num_positions, hidden_dim))

"""BERT's optimizer: AdamW with warmup + linear decay and clipping."""

from kbert.models.bert_task import bert_adamw
from kbert.training.scaled_adamw import ScaledAdamW
from kbert.training.warmup_linear_decay import WarmupLinearDecay
from kbert.validation import check_positive_float, check_positive_int


def make_optimizer(
    learning_rate,
    total_steps,
    warmup_steps=0,
    weight_decay=0.01,
    gradient_accumulation_steps=1,
    global_clipnorm=1.0,
    epsilon=1e-6,
    learning_rate_multipliers=None,
):
    """Returns AdamW as BERT trains with it.

    Weight decay 0.01 on every weight except LayerNorm scales/offsets and
    biases; gradients clipped at global norm 1.0; the learning rate warms
    up linearly, then decays linearly to 0 at `total_steps`.

    Args:
        learning_rate: peak learning rate.
        total_steps: optimizer updates in the whole run.
        warmup_steps: updates of linear warmup.
        weight_decay: decoupled weight decay.
        gradient_accumulation_steps: micro-batches per update (1 for none).
        global_clipnorm: clip gradients at this global norm (None: off).
        epsilon: Adam epsilon (1e-6 in BERT).
        learning_rate_multipliers: `{variable path: factor}` for variables
            that train at `factor` times the schedule (a `ScaledAdamW`);
            None or empty: one rate for all.

    Returns:
        A `keras.optimizers.AdamW`.
    """
    accumulation = gradient_accumulation_steps
    check_positive_int("gradient_accumulation_steps", accumulation)
    schedule = WarmupLinearDecay(
        learning_rate,
        total_steps=total_steps,
        warmup_steps=warmup_steps,
        micro_batches_per_step=accumulation,
    )
    scaled = (
        {
            "optimizer_class": ScaledAdamW,
            "learning_rate_multipliers": learning_rate_multipliers,
        }
        if learning_rate_multipliers
        else {}
    )
    return bert_adamw(
        schedule,
        weight_decay=weight_decay,
        epsilon=epsilon,
        global_clipnorm=global_clipnorm,
        gradient_accumulation_steps=accumulation if accumulation > 1 else None,
        **scaled,
    )


def layer_decay_multipliers(backbone, decay):
    """Learning-rate factors for layer-wise decay (ELECTRA's fine-tuning
    recipe), as `make_optimizer`'s `learning_rate_multipliers`.

    The task head and the pooler train at the full rate, the top encoder
    block at `decay` times it, each block below at one more factor of
    `decay`, and the embeddings at `decay ** (num_layers + 1)`: the lower a
    layer, the more general its features and the less it should move.

    Args:
        backbone: the task model's `BertBackbone`.
        decay: a factor in (0, 1]; 1 gives every variable the full rate.

    Returns:
        `{variable path: factor}` for the embeddings' and blocks' variables.
    """
    check_positive_float("layer_decay", decay)
    if decay > 1:
        raise ValueError(
            "Received an invalid value for `layer_decay`: expected a factor "
            f"in (0, 1]. Received: layer_decay={decay!r}"
        )
    depth = len(backbone.encoder_blocks)
    factors = {
        v.path: decay ** (depth + 1)
        for v in backbone.embeddings.trainable_variables
    }
    for index, block in enumerate(backbone.encoder_blocks):
        for variable in block.trainable_variables:
            factors[variable.path] = decay ** (depth - index)
    return factors

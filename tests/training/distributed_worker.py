"""Trains a tiny pretrainer for 6 steps under a named strategy.

Usage: python -m tests.training.distributed_worker STRATEGY OUTPUT.npz
The backend comes from KERAS_BACKEND; "mirrored" runs on 2 logical CPUs;
"multi_worker" reads TF_CONFIG; jax's "data_parallel" needs
XLA_FLAGS=--xla_force_host_platform_device_count=2. Dropout is off and the
data fixed, so every strategy must give single-device training's numbers.
Gradient clipping is off: under tf.distribute Keras clips each replica's
gradients before they are summed (as Google's TPU BERT did), which is not
the same as clipping the global batch's gradient.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

GLOBAL_BATCH = 8
STEPS = 6


def fixed_batches():
    import numpy as np

    rng = np.random.default_rng(0)
    count = GLOBAL_BATCH * STEPS
    features = {
        "token_ids": rng.integers(5, 50, (count, 12)).astype("int32"),
        "segment_ids": (np.arange(12) >= 6).astype("int32")[None].repeat(
            count, 0
        ),
        "padding_mask": np.ones((count, 12), "int32"),
        "mask_positions": np.tile(np.array([1, 4, 8], "int32"), (count, 1)),
    }
    labels = {
        "mlm": rng.integers(5, 50, (count, 3)).astype("int32"),
        "nsp": rng.integers(0, 2, (count,)).astype("int32"),
    }
    # Every example has all its predictions: per-replica means then equal
    # the global mean.
    weights = {"mlm": np.ones((count, 3), "float32")}
    return features, labels, weights


def main(strategy_name, output):
    import tensorflow as tf

    if strategy_name == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
    from kbert.training.distribution import resolve_distribution

    # First: multi-worker collectives must be set up before any TF op runs.
    distribution = resolve_distribution(strategy_name)
    import keras
    import numpy as np

    from kbert.models import BertBackbone, BertPretrainer
    from kbert.training.optimizer import make_optimizer

    keras.utils.set_random_seed(0)
    with distribution.scope():
        model = BertPretrainer(BertBackbone(
            vocabulary_size=50, num_layers=2, hidden_dim=16, num_heads=2,
            intermediate_dim=32, max_sequence_length=16, dropout=0.0,
            attention_dropout=0.0,
        ))
        # The backbone at half the heads' rate: each strategy must apply
        # ScaledAdamW's per-variable rates as one device does.
        model.compile(optimizer=make_optimizer(
            1e-2, total_steps=STEPS, warmup_steps=1, global_clipnorm=None,
            learning_rate_multipliers={
                v.path: 0.5 for v in model.backbone.trainable_variables
            },
        ))
    dataset = tf.data.Dataset.from_tensor_slices(fixed_batches()).batch(
        GLOBAL_BATCH
    )
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = (
        tf.data.experimental.AutoShardPolicy.DATA
    )
    dataset = dataset.with_options(options)
    losses = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))  # running mean of the epoch

    model.fit(dataset, epochs=1, verbose=0, callbacks=[Record()])
    np.savez(
        output,
        losses=np.array(losses),
        num_replicas=distribution.num_replicas,
        **{f"w{i}": w for i, w in enumerate(model.get_weights())},
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

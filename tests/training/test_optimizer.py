import keras
import numpy as np
import pytest

from kbert.models import BertBackbone, BertPretrainer
from kbert.training.optimizer import make_optimizer
from kbert.training.warmup_linear_decay import WarmupLinearDecay


@pytest.mark.multibackend
def test_schedule_warms_up_then_decays_linearly():
    schedule = WarmupLinearDecay(1e-4, total_steps=100, warmup_steps=10)
    values = [float(schedule(step)) for step in (0, 5, 10, 55, 100, 150)]
    np.testing.assert_allclose(
        values, [0.0, 5e-5, 1e-4, 5e-5, 0.0, 0.0], atol=1e-12
    )
    no_warmup = WarmupLinearDecay(2e-5, total_steps=4)
    np.testing.assert_allclose(
        [float(no_warmup(s)) for s in range(5)],
        [2e-5, 1.5e-5, 1e-5, 5e-6, 0.0],
        atol=1e-12,
    )


def test_schedule_serializes_and_checks_arguments():
    arguments = dict(
        peak_learning_rate=3e-4, total_steps=50, warmup_steps=5,
        end_learning_rate=1e-6, micro_batches_per_step=2,
    )
    schedule = WarmupLinearDecay(**arguments)
    rebuilt = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(schedule)
    )
    assert isinstance(rebuilt, WarmupLinearDecay)
    assert rebuilt.get_config() == arguments
    with pytest.raises(ValueError, match="warmup_steps=60"):
        WarmupLinearDecay(1e-4, total_steps=50, warmup_steps=60)
    with pytest.raises(ValueError, match="peak_learning_rate=0"):
        WarmupLinearDecay(0, total_steps=50)


def test_optimizer_is_bert_adamw():
    optimizer = make_optimizer(1e-4, total_steps=100, warmup_steps=10)
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == 0.01
    assert optimizer.global_clipnorm == 1.0
    assert optimizer.epsilon == 1e-6
    model = BertPretrainer(
        BertBackbone(
            vocabulary_size=10,
            num_layers=1,
            hidden_dim=4,
            num_heads=1,
            intermediate_dim=8,
        )
    )
    no_decay = sorted(
        w.path.split("/")[-1]
        for w in model.trainable_weights
        if not optimizer._use_weight_decay(w)
    )
    assert set(no_decay) == {"bias", "gamma", "beta", "output_bias"}
    with pytest.raises(ValueError, match="gradient_accumulation_steps=0"):
        make_optimizer(1e-4, total_steps=10, gradient_accumulation_steps=0)


def test_accumulated_schedule_counts_updates_not_micro_batches():
    optimizer = make_optimizer(
        1e-4, total_steps=100, warmup_steps=10, gradient_accumulation_steps=4
    )
    schedule = keras.saving.deserialize_keras_object(
        optimizer.get_config()["learning_rate"]
    )
    # Keras evaluates the schedule at every micro-batch: micro-batches
    # 40..43 make update 10, the end of warmup.
    for micro_batch in (40, 43):
        assert float(schedule(micro_batch)) == pytest.approx(1e-4)
    assert float(schedule(39)) == pytest.approx(0.9e-4)
    assert float(schedule(220)) == pytest.approx(5e-5)


@pytest.mark.multibackend
def test_accumulating_two_halves_equals_one_full_batch():
    rng = np.random.default_rng(0)
    features = {
        "token_ids": rng.integers(0, 20, (8, 6)).astype("int32"),
        "segment_ids": np.zeros((8, 6), "int32"),
        "padding_mask": np.ones((8, 6), "int32"),
        "mask_positions": np.tile(np.array([1, 3], "int32"), (8, 1)),
    }
    labels = {
        "mlm": rng.integers(0, 20, (8, 2)).astype("int32"),
        "nsp": rng.integers(0, 2, (8,)).astype("int32"),
    }
    weights = {"mlm": np.ones((8, 2), "float32"), "nsp": np.ones(8, "float32")}

    def trained(accumulation):
        keras.utils.set_random_seed(3)
        model = BertPretrainer(
            BertBackbone(
                vocabulary_size=20,
                num_layers=1,
                hidden_dim=8,
                num_heads=2,
                intermediate_dim=16,
                dropout=0.0,
                attention_dropout=0.0,
            )
        )
        model.compile(
            optimizer=make_optimizer(
                1e-2, total_steps=10, gradient_accumulation_steps=accumulation
            )
        )
        size = 8 // accumulation
        for start in range(0, 8, size):
            part = slice(start, start + size)
            model.train_on_batch(
                {k: v[part] for k, v in features.items()},
                {k: v[part] for k, v in labels.items()},
                {k: v[part] for k, v in weights.items()},
            )
        return [keras.ops.convert_to_numpy(w) for w in model.weights]

    once, accumulated = trained(1), trained(2)
    moved = max(np.abs(a - b).max() for a, b in zip(once, trained(1)))
    assert moved == 0.0  # the run itself is deterministic
    # Adam divides by sqrt(v): float noise in tiny gradients moves a few
    # elements by ~1e-5; a learning rate off by one micro-step moved them
    # all by 5e-4.
    for a, b in zip(once, accumulated):
        np.testing.assert_allclose(a, b, atol=5e-5)


def _three_steps(optimizer, variables, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(3):
        grads = [
            keras.ops.convert_to_tensor(
                rng.normal(size=v.shape).astype("float32")
            )
            for v in variables
        ]
        optimizer.apply(grads, variables)
    return [keras.ops.convert_to_numpy(v) for v in variables]


@pytest.mark.multibackend
def test_scaled_adamw_trains_each_variable_at_its_own_rate():
    from kbert.training.scaled_adamw import ScaledAdamW

    def fresh():
        # "slow" gets a quarter of the rate; "bias" is excluded from decay.
        return [
            keras.Variable(np.full(3, 2.0, "float32"), name="slow"),
            keras.Variable(np.full(2, -1.0, "float32"), name="fast"),
            keras.Variable(np.full(2, 3.0, "float32"), name="bias"),
        ]

    variables = fresh()
    scaled = ScaledAdamW(
        learning_rate=0.1,
        weight_decay=0.5,
        learning_rate_multipliers={variables[0].path: 0.25},
    )
    scaled.exclude_from_weight_decay(var_names=["bias"])
    got = _three_steps(scaled, variables)
    # The reference: stock AdamW, each variable alone at its own rate, on
    # the same gradients.
    reference = []
    for index, rate in enumerate((0.025, 0.1, 0.1)):
        alone = fresh()
        stock = keras.optimizers.AdamW(learning_rate=rate, weight_decay=0.5)
        stock.exclude_from_weight_decay(var_names=["bias"])
        stepped = _three_steps(stock, alone)
        reference.append(stepped[index])
    for value, expected in zip(got, reference):
        np.testing.assert_allclose(value, expected, rtol=1e-6, atol=1e-7)
    # The slow variable really moved less than at the full rate.
    full = _three_steps(
        keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5), fresh()
    )
    assert np.abs(got[0] - 2.0).max() < 0.5 * np.abs(full[0] - 2.0).max()


def test_scaled_adamw_serializes_and_checks_its_factors():
    from kbert.training.scaled_adamw import ScaledAdamW

    optimizer = make_optimizer(
        1e-3,
        total_steps=10,
        learning_rate_multipliers={"encoder_block_0/dense/kernel": 0.1},
    )
    assert isinstance(optimizer, ScaledAdamW)
    assert optimizer.weight_decay == 0.01 and optimizer.epsilon == 1e-6
    rebuilt = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(optimizer)
    )
    assert isinstance(rebuilt, ScaledAdamW)
    assert rebuilt.learning_rate_multipliers == {
        "encoder_block_0/dense/kernel": 0.1
    }
    assert not isinstance(make_optimizer(1e-3, total_steps=10), ScaledAdamW)
    for bad in (0, -0.5, float("nan"), True, "0.1", None):
        with pytest.raises(
            ValueError, match=r"learning_rate_multipliers\['pooler/kernel'\]="
        ):
            ScaledAdamW(learning_rate_multipliers={"pooler/kernel": bad})


def test_layer_decay_factors_fall_by_one_decay_per_layer():
    from kbert.models import BertQuestionAnswerer
    from kbert.training.optimizer import layer_decay_multipliers

    backbone = BertBackbone.from_preset("bert_tiny", vocabulary_size=30)
    assert backbone.num_layers == 2
    model = BertQuestionAnswerer(backbone)
    factors = layer_decay_multipliers(backbone, 0.5)
    by_path = {}
    for variable in model.trainable_variables:
        by_path[variable.path] = factors.get(variable.path, 1.0)
    groups = {}
    for path, factor in by_path.items():
        groups.setdefault(path.split("/")[0], set()).add(factor)
    assert groups == {
        "embeddings": {0.125},
        "encoder_block_0": {0.25},
        "encoder_block_1": {0.5},
        "pooler": {1.0},
        "span_dense": {1.0},
    }
    with pytest.raises(ValueError, match="layer_decay=1.5"):
        layer_decay_multipliers(backbone, 1.5)
    with pytest.raises(ValueError, match="layer_decay=0"):
        layer_decay_multipliers(backbone, 0)

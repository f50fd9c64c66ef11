"""The Hugging Face side of `pretraining_fidelity_benchmark.py`.

    python pretraining_fidelity_hf.py WORKDIR

Runs under the reference environment (torch + transformers, no kbert, no
TensorFlow). Reads `WORKDIR/config.json` and `WORKDIR/batches.npz` (the
training and evaluation batches kbert's pipeline made), trains
`BertForPreTraining` on exactly those batches with BERT's optimizer
(AdamW, weight decay 0.01 except LayerNorm weights and biases, epsilon
1e-6, linear warmup then linear decay, gradient norm clipped at 1.0), and
writes `WORKDIR/hf.json`: seconds spent training (after the first
`untimed_steps`) and the trained model's
masked-LM loss on the evaluation batches.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForPreTraining


def full_labels(positions, ids, weights, length):
    """(B, P) positions / ids / weights -> HF's (B, T) labels, -100 where no
    prediction is made."""
    labels = np.full((positions.shape[0], length), -100, np.int64)
    rows, slots = np.nonzero(weights > 0)
    labels[rows, positions[rows, slots]] = ids[rows, slots]
    return torch.from_numpy(labels)


def inputs(arrays, prefix, step):
    return {
        "input_ids": torch.from_numpy(
            arrays[f"{prefix}token_ids"][step]
        ).long(),
        "token_type_ids": torch.from_numpy(
            arrays[f"{prefix}segment_ids"][step]
        ).long(),
        "attention_mask": torch.from_numpy(
            arrays[f"{prefix}padding_mask"][step]
        ).long(),
    }


def mlm_loss(model, arrays):
    """Weighted masked-LM cross-entropy over all evaluation batches."""
    model.eval()
    total, count = 0.0, 0.0
    with torch.no_grad():
        for step in range(arrays["eval_token_ids"].shape[0]):
            logits = model(**inputs(arrays, "eval_", step)).prediction_logits
            positions = torch.from_numpy(
                arrays["eval_mask_positions"][step]
            ).long()
            gathered = torch.gather(
                logits, 1,
                positions[:, :, None].expand(-1, -1, logits.shape[-1]),
            )
            losses = torch.nn.functional.cross_entropy(
                gathered.transpose(1, 2),
                torch.from_numpy(arrays["eval_mlm"][step]).long(),
                reduction="none",
            )
            weights = torch.from_numpy(arrays["eval_mlm_weights"][step])
            total += float((losses * weights).sum())
            count += float(weights.sum())
    return total / count


def hf_config(config, **extra):
    """Hugging Face's `BertConfig` for a kbert backbone config dict."""
    return BertConfig(
        vocab_size=config["vocabulary_size"],
        hidden_size=config["hidden_dim"],
        num_hidden_layers=config["num_layers"],
        num_attention_heads=config["num_heads"],
        intermediate_size=config["intermediate_dim"],
        max_position_embeddings=config["max_sequence_length"],
        type_vocab_size=2,
        hidden_act="gelu",
        hidden_dropout_prob=config["dropout"],
        attention_probs_dropout_prob=config["dropout"],
        layer_norm_eps=1e-12,
        initializer_range=0.02,
        **extra,
    )


def main(workdir):
    workdir = Path(workdir)
    config = json.loads((workdir / "config.json").read_text())
    torch.manual_seed(config["seed"])
    torch.set_num_threads(config["threads"])
    model = BertForPreTraining(hf_config(config))
    decay, no_decay = [], []  # BERT: no decay on LayerNorm and biases
    for name, parameter in model.named_parameters():
        exempt = name.endswith(".bias") or "LayerNorm" in name
        (no_decay if exempt else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=config["learning_rate"], eps=1e-6,
    )
    steps, warmup = config["steps"], config["warmup_steps"]
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: s / warmup if s < warmup else max(
            0.0, (steps - s) / max(steps - warmup, 1)
        ),
    )
    arrays = dict(np.load(workdir / "batches.npz"))
    length = arrays["token_ids"].shape[-1]
    model.train()
    for step in range(steps):
        if step == config["untimed_steps"]:
            start = time.perf_counter()
        outputs = model(
            **inputs(arrays, "", step),
            labels=full_labels(
                arrays["mask_positions"][step], arrays["mlm"][step],
                arrays["mlm_weights"][step], length,
            ),
            next_sentence_label=torch.from_numpy(arrays["nsp"][step]).long(),
        )
        optimizer.zero_grad()
        outputs.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
    seconds = time.perf_counter() - start
    result = {"seconds": seconds, "eval_mlm_loss": mlm_loss(model, arrays),
              "torch": torch.__version__}
    (workdir / "hf.json").write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])

"""The Hugging Face side of `pretraining_step_benchmark.py --hf-python`.

    python pretraining_step_hf.py '{"num_layers": 12, ...}'

Runs under an environment with torch + transformers (no kbert, no Keras).
Times `BertForPreTraining` steps (forward + backward + AdamW) on random
batches of the shape the Keras side uses, on the GPU where there is one,
under bfloat16/float16 autocast when asked, and prints one JSON line:
`{"sequences_per_second": ..., "device": ...}`. Hugging Face's model
projects every position onto the vocabulary (not only the masked ones):
that is its design, and part of what a user of it pays.
"""

import json
import sys
import time

import torch
from pretraining_fidelity_hf import hf_config
from transformers import BertForPreTraining


def main(settings):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    config = hf_config(
        settings, attn_implementation=settings.get("attention", "sdpa")
    )
    model = BertForPreTraining(config).to(device).train()
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=1e-4, weight_decay=0.01
    )
    batch, length = settings["batch_size"], settings["length"]
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(
        0, config.vocab_size, (batch, length), generator=generator
    )
    labels = torch.full((batch, length), -100)
    masked = slice(1, 1 + settings["predictions"])
    labels[:, masked] = ids[:, masked]
    inputs = {
        "input_ids": ids.to(device),
        "token_type_ids": (torch.arange(length) >= length // 2)
        .long()
        .expand(batch, -1)
        .to(device),
        "attention_mask": torch.ones(batch, length, dtype=torch.long).to(
            device
        ),
        "labels": labels.to(device),
        "next_sentence_label": torch.randint(0, 2, (batch,)).to(device),
    }
    precision = settings["precision"]
    autocast = torch.autocast(
        device_type=device,
        dtype=getattr(torch, precision),
        enabled=precision != "float32",
    )
    scaler = torch.amp.GradScaler(enabled=precision == "float16")

    def step():
        with autocast:
            loss = model(**inputs).loss
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)

    def synchronize():
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(settings["warmup"]):
        step()
    synchronize()
    start = time.perf_counter()
    for _ in range(settings["steps"]):
        step()
    synchronize()
    seconds = time.perf_counter() - start
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    print(
        json.dumps(
            {
                "sequences_per_second": batch * settings["steps"] / seconds,
                "device": name,
                "attention": config._attn_implementation,
            }
        )
    )


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))

"""Loads a checkpoint written by kbert with `transformers` and runs it.

Run by test_transformers_loads_export in the reference environment
(torch + transformers), never imported by kbert's tests:

    python hf_transformers_check.py CHECKPOINT_DIR FEATURES.npz OUTPUT.npz
"""

import sys

import numpy as np
import torch
import transformers


def main(directory, features_path, output_path):
    model, info = transformers.BertForPreTraining.from_pretrained(
        directory, attn_implementation="eager", output_loading_info=True
    )
    problems = {key: value for key, value in info.items() if value}
    if problems:
        raise SystemExit(f"transformers reported {problems}")
    model.eval()
    features = np.load(features_path)
    with torch.no_grad():
        outputs = model(
            input_ids=torch.from_numpy(features["token_ids"]).long(),
            token_type_ids=torch.from_numpy(features["segment_ids"]).long(),
            attention_mask=torch.from_numpy(features["padding_mask"]).long(),
            output_hidden_states=True,
        )
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory)
    np.savez(
        output_path,
        sequence_output=outputs.hidden_states[-1].numpy(),
        mlm=outputs.prediction_logits.numpy(),
        nsp=outputs.seq_relationship_logits.numpy(),
        tokenizer_ids=np.array(tokenizer("Hello World!")["input_ids"]),
    )


if __name__ == "__main__":
    main(*sys.argv[1:])

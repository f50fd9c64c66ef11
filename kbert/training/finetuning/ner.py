"""CoNLL-2003 NER fine-tuning and evaluation: a `BertTokenClassifier`
scored by conlleval's entity precision, recall and F1."""

import dataclasses
from pathlib import Path

from kbert.data.conll import (
    CONLL_LABELS,
    conll_features,
    read_conll,
    tags_from_logits,
)
from kbert.evaluation import entity_scores
from kbert.models.bert_feature_tagger import FEATURES
from kbert.training.finetuning.settings import (
    EvaluationSettings,
    FineTuneSettings,
)
from kbert.training.finetuning.task import Task, TrainingData, first
from kbert.training.settings import setting
from kbert.validation import check_choice, check_positive_int

SCHEMES = ("iob2", "iob1")


@dataclasses.dataclass(frozen=True, kw_only=True)
class NerTaskSettings:
    """NER's own settings, read by fine-tuning and evaluation alike; mixed
    into `NerSettings` and `NerEvaluationSettings`."""

    eval_file: str | None = setting("default: conll2003/test.txt", default=None)
    scheme: str = setting(
        "the files' tagging scheme", choices=SCHEMES, default="iob2"
    )

    def __post_init__(self):
        super().__post_init__()
        check_choice("scheme", self.scheme, SCHEMES)

    @property
    def eval_path(self):
        """`eval_file`, else the bundled CoNLL-2003 test set."""
        return self.eval_file or Path(self.data_dir) / "conll2003" / "test.txt"


@dataclasses.dataclass(frozen=True, kw_only=True)
class NerSettings(NerTaskSettings, FineTuneSettings):
    """The settings of `finetune ner`."""

    train_file: str | None = setting(
        "default: conll2003/train.txt.gz", default=None
    )
    features: str | None = setting(
        "the feature-based approach (BERT paper 5.3): freeze the model and "
        "train a two-layer BiLSTM on these hidden states (default: "
        "fine-tune the whole model)",
        choices=FEATURES,
        default=None,
    )
    lstm_units: int = setting(
        "with --features: units of each LSTM direction", default=384
    )

    def __post_init__(self):
        super().__post_init__()
        if self.features is not None:
            check_choice("features", self.features, FEATURES)
        check_positive_int("lstm_units", self.lstm_units)

    @property
    def train_path(self):
        """`train_file`, else the bundled CoNLL-2003 train set."""
        return self.train_file or (
            Path(self.data_dir) / "conll2003" / "train.txt.gz"
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class NerEvaluationSettings(NerTaskSettings, EvaluationSettings):
    """The settings of `evaluate ner`."""


class NerTask(Task):
    """CoNLL-2003 named entities: a tag per word, from its first piece."""

    name = "ner"
    finetune_help = "CoNLL-2003 (BertTokenClassifier)"
    evaluate_help = "a CoNLL-2003 file"
    settings_class = NerSettings
    evaluation_settings_class = NerEvaluationSettings
    evaluated_models = ("BertTokenClassifier", "BertFeatureTagger")

    def training_data(self, tokenizer):
        sentences, (features, labels, weights, _) = self._read(
            self.settings.train_path,
            self.settings.max_train_examples,
            tokenizer,
        )
        return TrainingData(
            features, labels, weights, {"train_sentences": len(sentences)}
        )

    def build_model(self, backbone):
        from kbert.models import BertFeatureTagger, BertTokenClassifier

        if self.settings.features is not None:
            return BertFeatureTagger(
                backbone,
                num_classes=len(CONLL_LABELS),
                features=self.settings.features,
                lstm_units=self.settings.lstm_units,
                label_names=CONLL_LABELS,
            )
        return BertTokenClassifier(
            backbone, num_classes=len(CONLL_LABELS), label_names=CONLL_LABELS
        )

    def evaluate(self, model, tokenizer):
        settings = self.settings
        sentences, (features, _, _, positions) = self._read(
            settings.eval_path, settings.max_eval_examples, tokenizer
        )
        logits = model.predict(
            features, batch_size=settings.eval_batch_size, verbose=0
        )["logits"]
        predicted = tags_from_logits(logits, positions)
        scores = entity_scores([tags for _, tags in sentences], predicted)
        # Words past the sequence length get no tag (and count as "O").
        truncated = sum(p < 0 for row in positions for p in row)
        return {
            **scores,
            "eval_sentences": len(sentences),
            "words_without_position": truncated,
        }

    def result_fields(self):
        return {"task": "conll2003", "eval_file": str(self.settings.eval_path)}

    def _read(self, path, limit, tokenizer):
        """The first `limit` sentences of the CoNLL file at `path`, and
        their `conll_features` (features, labels, weights, positions)."""
        settings = self.settings
        sentences = first(read_conll(path, scheme=settings.scheme), limit)
        return sentences, conll_features(
            sentences, tokenizer, settings.sequence_length
        )

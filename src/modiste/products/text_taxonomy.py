"""Text taxonomy classifier: a description or title -> the image tagger's taxonomy, and a check
of a description against an image's tags.

Method: TF-IDF of word 1-2-grams (sublinear tf, l2-normalised rows; Salton & Buckley 1988) and
one multinomial logistic regression per attribute (scikit-learn's `TfidfVectorizer` and
`LogisticRegression` fit them). Each head is trained on the texts that carry its label (the
catalogues label different attributes, see `modiste.text.taxonomy_data`); classes with fewer
than `min_count` texts are folded into "other". After training only arrays remain: the
vocabulary, the idf vector and each head's coefficients, so prediction is the same arithmetic
before saving and after loading, with no scikit-learn object kept.

baseColour is only claimed where the text names a colour (a description that never says one
gets no colour prediction): the head would otherwise guess from the product type.

Saved as a folder: `text_taxonomy.safetensors` (idf and per-head coefficient/intercept arrays,
float32) and `text_taxonomy.json` (format tag, vocabulary, label maps, settings, colour forms).
Loading reads these two files only and never unpickles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from modiste.atomic import atomic_path, atomic_write_json
from modiste.errors import ModisteError
from modiste.text.taxonomy_data import ATTRIBUTES, LabelledText, normalise

FORMAT, VERSION = "modiste-text-taxonomy", 1
WEIGHTS_FILE, META_FILE = "text_taxonomy.safetensors", "text_taxonomy.json"
OTHER = "other"
TOKEN_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default word pattern


@dataclass(frozen=True)
class TextLabel:
    """One attribute's prediction for one text: `label` (None = no claim) and its probability in [0, 1]."""

    label: str | None
    probability: float


@dataclass(frozen=True)
class Contradiction:
    """An attribute where the text's confident label differs from the image's."""

    attribute: str
    text_label: str
    text_probability: float
    image_label: str


@dataclass
class Head:
    """A softmax head: classes [K], coef float32 [K, F], intercept float32 [K]."""

    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray


class TextTaxonomy:
    """A trained classifier; `predict(texts)` gives each attribute's label and probability."""

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray, heads: dict[str, Head], ngram_max: int,
                 colour_forms: Sequence[str], folded: dict[str, list[str]] | None = None):
        self.vocabulary, self.idf, self.heads, self.ngram_max = vocabulary, idf.astype(np.float32), heads, ngram_max
        self.colour_forms, self.folded = list(colour_forms), folded or {}
        from sklearn.feature_extraction.text import CountVectorizer

        self._counter = CountVectorizer(vocabulary=vocabulary, ngram_range=(1, ngram_max), token_pattern=TOKEN_PATTERN, lowercase=True)

    def features(self, texts: Sequence[str]):
        """TF-IDF rows, scipy CSR float32 [N, F]: (1 + log tf) * idf, each row scaled to unit l2 norm."""
        from sklearn.preprocessing import normalize

        counts = self._counter.transform(list(texts)).astype(np.float32)
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts.multiply(self.idf[None, :]).tocsr(), norm="l2", copy=False)

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """attribute -> probabilities float32 [N, K] (softmax over the head's classes, rows sum to 1)."""
        x = self.features(texts)
        out = {}
        for name, head in self.heads.items():
            logits = np.asarray(x @ head.coef.T, dtype=np.float32) + head.intercept[None, :]
            logits -= logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            out[name] = p / p.sum(axis=1, keepdims=True)
        return out

    def names_colour(self, text: str) -> bool:
        padded = normalise(text)
        return any(f" {form} " in padded for form in self.colour_forms)

    def predict(self, texts: Sequence[str]) -> list[dict[str, TextLabel]]:
        """Per text, attribute -> TextLabel(arg-max class, its probability); baseColour's label is
        None when the text names no colour; "other" stands for the folded rare classes."""
        probs = self.predict_proba(texts)
        results: list[dict[str, TextLabel]] = [{} for _ in texts]
        for name, p in probs.items():
            top = p.argmax(axis=1)
            for i, text in enumerate(texts):
                silent = name == "baseColour" and not self.names_colour(text)
                results[i][name] = TextLabel(None if silent else self.heads[name].classes[top[i]], float(p[i, top[i]]))
        return results

    # ----- files -----
    def save(self, folder: str | Path) -> Path:
        """Write the two files of the model folder atomically; returns the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"idf": np.ascontiguousarray(self.idf)}
        for name, head in self.heads.items():
            arrays[f"{name}.coef"] = np.ascontiguousarray(head.coef, np.float32)
            arrays[f"{name}.intercept"] = np.ascontiguousarray(head.intercept, np.float32)
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file(arrays, str(tmp))
        atomic_write_json(folder / META_FILE, {
            "format": FORMAT, "version": VERSION, "ngram_max": self.ngram_max, "token_pattern": TOKEN_PATTERN,
            "sublinear_tf": True, "norm": "l2", "vocabulary": self.vocabulary, "colour_forms": self.colour_forms,
            "heads": {name: head.classes for name, head in self.heads.items()}, "folded": self.folded})
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> "TextTaxonomy":
        """Read a saved model; ModisteError (one line) for a missing, damaged or other-format folder."""
        folder = Path(folder)
        meta_path, weights_path = folder / META_FILE, folder / WEIGHTS_FILE
        if not meta_path.is_file() or not weights_path.is_file():
            raise ModisteError(f"'{folder}' is not a text taxonomy model ({META_FILE} + {WEIGHTS_FILE} missing): "
                               "pass the folder that TextTaxonomy.save wrote")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            arrays = load_file(str(weights_path))
        except (json.JSONDecodeError, UnicodeDecodeError, SafetensorError, OSError) as e:
            raise ModisteError(f"text taxonomy model in '{folder}' is damaged ({type(e).__name__}): train and save it again") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("version") != VERSION:
            raise ModisteError(f"'{meta_path}' is not a {FORMAT} v{VERSION} file: pass a folder written by TextTaxonomy.save")
        try:
            heads = {name: Head(list(classes), arrays[f"{name}.coef"], arrays[f"{name}.intercept"]) for name, classes in meta["heads"].items()}
            vocabulary = {str(k): int(v) for k, v in meta["vocabulary"].items()}
            idf = arrays["idf"]
            shapes_ok = all(h.coef.shape == (len(h.classes), idf.shape[0]) and h.intercept.shape == (len(h.classes),) for h in heads.values())
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ModisteError(f"text taxonomy model in '{folder}' is damaged (missing {e}): train and save it again") from None
        if not shapes_ok or len(vocabulary) != idf.shape[0]:
            raise ModisteError(f"text taxonomy model in '{folder}' is damaged (array shapes disagree with its vocabulary): train and save it again")
        return cls(vocabulary, idf, heads, int(meta["ngram_max"]), meta.get("colour_forms", []), meta.get("folded", {}))


def _fold_rare(labels: list[str], min_count: int) -> tuple[list[str], list[str]]:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    rare = sorted(c for c, n in counts.items() if n < min_count)
    return [OTHER if counts[label] < min_count else label for label in labels], rare


def train_text_taxonomy(examples: Sequence[LabelledText], attributes: Sequence[str] = ATTRIBUTES, colour_forms: Sequence[str] = (),
                        c: float = 20.0, min_count: int = 10, min_df: int = 2, ngram_max: int = 2, max_features: int | None = 100_000,
                        max_iter: int = 300) -> TextTaxonomy:
    """Fit TF-IDF on all texts and one logistic regression (inverse regularisation `c`) per attribute
    on the texts labelled with it. `colour_forms`: normalised colour words (see
    `TaxonomyLexicon.colour_forms`) that mark a text as naming a colour. Raises ModisteError
    when an attribute has no labelled text or a single class."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    if not examples:
        raise ModisteError("no labelled texts to train the text taxonomy on: pass the catalogue texts")
    texts = [e.text for e in examples]
    fitted = TfidfVectorizer(ngram_range=(1, ngram_max), min_df=min_df, max_features=max_features, sublinear_tf=True,
                             token_pattern=TOKEN_PATTERN, dtype=np.float32).fit(texts)
    vocabulary = {term: int(i) for term, i in fitted.vocabulary_.items()}
    model = TextTaxonomy(vocabulary, fitted.idf_, {}, ngram_max, colour_forms)
    x = model.features(texts)
    for name in attributes:
        rows = [i for i, e in enumerate(examples) if name in e.labels]
        labels, rare = _fold_rare([examples[i].labels[name] for i in rows], min_count)
        classes = sorted(set(labels))
        if len(classes) < 2:
            raise ModisteError(f"attribute '{name}' has {len(classes)} class among {len(rows)} labelled texts: "
                               "it needs at least two, leave it out of attributes")
        clf = LogisticRegression(C=c, max_iter=max_iter).fit(x[rows], labels)
        # C order: scikit-learn's multinomial coef_ is Fortran-ordered, and safetensors writes raw memory
        coef, intercept = np.ascontiguousarray(clf.coef_, np.float32), np.ascontiguousarray(clf.intercept_, np.float32)
        if len(clf.classes_) == 2:  # scikit-learn keeps one row for two classes: sigmoid(w x + b) = softmax([0, w x + b])
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([np.zeros(1, np.float32), intercept])
        model.heads[name] = Head([str(k) for k in clf.classes_], coef, intercept)
        model.folded[name] = rare
    return model


def _image_label(value: Any) -> str | None:
    """An image tag as a label: a string, or a mapping/object with a `label`."""
    if isinstance(value, Mapping):
        value = value.get("label")
    elif hasattr(value, "label"):
        value = value.label
    return value if isinstance(value, str) and value else None


def contradictions(text_prediction: Mapping[str, TextLabel], image_tags: Mapping[str, Any], min_probability: float = 0.8,
                   no_claim: Sequence[str] = (OTHER, "abstain"), same: Callable[[str, str, str], bool] | None = None) -> list[Contradiction]:
    """Attributes where the text's prediction (probability >= `min_probability`) names a label other
    than the image's. `image_tags`: attribute -> label string, or a mapping/object with `label`
    (the tagger's output). Attributes the image has no tag for, or where either side makes no
    claim (None, "other", "abstain"), are skipped. Labels compare case-insensitively, or with
    `same(attribute, text_label, image_label)` when given (e.g. to let "Navy Blue" match "Blue")."""
    found = []
    for name, predicted in text_prediction.items():
        image = _image_label(image_tags.get(name))
        if predicted.label is None or image is None or predicted.probability < min_probability:
            continue
        if predicted.label in no_claim or image in no_claim:
            continue
        agree = same(name, predicted.label, image) if same else predicted.label.casefold() == image.casefold()
        if not agree:
            found.append(Contradiction(name, predicted.label, predicted.probability, image))
    return found

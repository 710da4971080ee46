"""`modiste text eval`: validation perplexity, context adherence, diversity and memorisation.

- perplexity: exp of the mean next-token loss on the run's validation descriptions (the prefix
  is masked as in training when the run masked it);
- adherence / usage / word usage: see `attributes.py`, averaged over outputs;
- distinct-1 / distinct-2: unique word uni-/bigrams over all word uni-/bigrams of all outputs
  (pooled, as in Li et al. 2016); higher is more varied;
- memorisation: longest span copied from one training description, near-copy and exact-copy
  rates (see `copying.py`).
"""

from __future__ import annotations

from typing import Iterable, Sequence

from modiste.text.attributes import adherence
from modiste.text.copying import CopyIndex, copy_stats, words
from modiste.text.perplexity import perplexity, summed_token_loss


def distinct_n(texts: Iterable[str], n: int) -> float:
    grams: list[tuple[str, ...]] = []
    for t in texts:
        ws = words(t)
        grams.extend(tuple(ws[i : i + n]) for i in range(len(ws) - n + 1))
    return len(set(grams)) / len(grams) if grams else 0.0


def adherence_stats(pairs: Sequence[tuple[str, str]]) -> dict[str, float]:
    scores = [adherence(context, text) for context, text in pairs]
    n = max(len(scores), 1)
    return {
        "adherence": sum(s.adherence for s in scores) / n,
        "attribute_usage": sum(s.usage for s in scores) / n,
        "word_usage": sum(s.word_usage for s in scores) / n,
        "contradiction_rate": sum(s.contradicted > 0 for s in scores) / n,
    }


def output_metrics(pairs: Sequence[tuple[str, str]], copy_index: CopyIndex | None = None) -> dict[str, float]:
    """All text-only metrics for (context, output) pairs."""
    texts = [t for _, t in pairs]
    report: dict[str, float] = {"outputs": len(pairs), "mean_words": sum(len(words(t)) for t in texts) / max(len(texts), 1),
                                "empty_rate": sum(not t.strip() for t in texts) / max(len(texts), 1)}
    report.update(adherence_stats(pairs))
    report.update(distinct_1=distinct_n(texts, 1), distinct_2=distinct_n(texts, 2))
    if copy_index is not None:
        report.update(copy_stats(copy_index, texts))
    return report


def validation_perplexity(generator, records, mask_prefix: bool = True, batch_size: int = 16) -> dict[str, float]:
    """Perplexity of the generator's model on cleaned validation records."""
    from modiste.text.dataset import encode_records, eval_batches

    examples = encode_records(records, generator.tokenizer, generator.template, mask_prefix)
    batches = eval_batches(examples, batch_size, generator.tokenizer.pad_token_id, generator.window)
    loss_sum, count = summed_token_loss(generator.model, batches, generator.device)
    loss = loss_sum / max(count, 1)
    return {"val_loss": loss, "val_ppl": perplexity(loss), "val_tokens": count}


def evaluate_model(model: str, contexts: Sequence[str] | None = None, n_contexts: int = 100, opts=None,
                   corpus: str | None = None, text_column: str | None = None, context_columns: Sequence[str] = (),
                   device: str = "auto") -> dict:
    """Perplexity on the validation split, then sample each context and score the outputs.

    Without `contexts`, the first `n_contexts` validation contexts are used. The run folder's
    saved split is used unless `corpus` names another file (then all of it is 'validation').
    """
    import json

    from modiste.text.corpus import load_corpus, read_records
    from modiste.text.generate import DescriptionGenerator, SamplingOptions, run_folder_of

    gen = DescriptionGenerator(model, device)
    run = run_folder_of(gen.model_dir)
    mask_prefix = True
    if corpus:
        loaded = load_corpus(corpus, text_column, context_columns, val_fraction=0.0)
        validation, train_texts = loaded.train, [r.text for r in loaded.train]
    else:
        if run is None:
            from modiste.errors import ModisteError

            raise ModisteError(f"'{model}' is not inside a training run folder: pass --corpus with --text-column to evaluate on")
        validation = read_records(run / "data" / "validation.jsonl")
        train_texts = [r.text for r in read_records(run / "data" / "train.jsonl")]
        mask_prefix = json.loads((run / "run.json").read_text())["config"].get("mask_prefix", True)
    gen._train_texts = train_texts
    report: dict = {"model": str(gen.model_dir)}
    if validation:
        report.update(validation_perplexity(gen, validation, mask_prefix))
    if contexts is None:
        contexts = [gen.template.context_string(r.context) for r in validation if r.context][:n_contexts]
    outputs = gen.generate(list(contexts), opts or SamplingOptions(), progress=True)
    report.update(output_metrics([(o["context"], o["text"]) for o in outputs], gen.copy_index))
    report["samples"] = outputs
    return report

"""`modiste text train|generate|eval`: thin click wrappers around the text API."""

from __future__ import annotations

import json
import os

import click

from modiste.errors import ModisteError


def _columns(value: str | None) -> tuple[str, ...]:
    return tuple(c.strip() for c in (value or "").split(",") if c.strip())


@click.group()
def text() -> None:
    """Fine-tune GPT-2 on product descriptions, generate new ones, and check them."""


@text.command()
@click.option("--corpus", required=True, help="CSV, TSV, JSONL or .txt file, one description per record.")
@click.option("--text-column", default=None, help="Column holding the description (CSV/JSONL).")
@click.option("--context-columns", default="", help="Comma-separated context columns, e.g. Product_Name or Category,Colour.")
@click.option("--strip-from-context", default=None,
              help="Column whose value is removed from the start of each context value, e.g. Product_Brand: "
                   "'DKNY Women Black Dress' -> 'Women Black Dress', like the contexts `modiste product` builds.")
@click.option("--base", default="scratch-small", show_default=True, help="gpt2, distilgpt2, a save_pretrained folder, or scratch-tiny|scratch-small|scratch-medium.")
@click.option("--tokenizer", default=None, help="scratch-* only: a GPT-2 tokenizer folder (vocab.json + merges.txt) instead of training a BPE on the corpus.")
@click.option("--out", required=True, help="Run folder for checkpoints, best model and logs.")
@click.option("--max-steps", type=int, default=None, help="Optimiser steps to train.")
@click.option("--minutes", type=float, default=None, help="Wall-clock budget; the cosine schedule follows elapsed time.")
@click.option("--batch-size", type=int, default=16, show_default=True, help="Rows per device and micro-step.")
@click.option("--grad-accum", type=int, default=1, show_default=True)
@click.option("--block-size", type=int, default=None, help="Tokens per row (default: the model window).")
@click.option("--packing/--padding", default=True, show_default=True, help="Pack whole descriptions, each after its context, into windows; or pad one per row with an attention mask.")
@click.option("--mask-prefix/--no-mask-prefix", default=True, show_default=True, help="No loss on the context prefix.")
@click.option("--lr", type=float, default=None, help="Peak learning rate (default 1e-3 from scratch, 5e-5 fine-tuning).")
@click.option("--warmup-steps", type=int, default=100, show_default=True)
@click.option("--weight-decay", type=float, default=0.1, show_default=True)
@click.option("--dropout", type=float, default=0.0, show_default=True, help="scratch-* only.")
@click.option("--eval-every", type=int, default=200, show_default=True, help="Validate and checkpoint every N steps.")
@click.option("--eval-examples", type=int, default=512, show_default=True)
@click.option("--keep-last", type=int, default=2, show_default=True, help="Step checkpoints to keep (best/ is kept apart).")
@click.option("--val-fraction", type=float, default=0.05, show_default=True)
@click.option("--max-records", type=int, default=None, help="Use only the first N clean descriptions.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option("--precision", default="auto", show_default=True, help="auto (bf16 on GPU) | bf16 | fp32.")
@click.option("--resume", is_flag=True, help="Continue the run in --out from its latest checkpoint.")
def train(corpus, text_column, context_columns, strip_from_context, base, tokenizer, out, max_steps, minutes, batch_size, grad_accum, block_size, packing,
          mask_prefix, lr, warmup_steps, weight_decay, dropout, eval_every, eval_examples, keep_last, val_fraction, max_records,
          seed, device, precision, resume) -> None:
    """Train or fine-tune a GPT-2 description model."""
    from modiste.text.train import TrainConfig
    from modiste.text.train import train as run_training

    cfg = TrainConfig(corpus=corpus, out=out, text_column=text_column, context_columns=_columns(context_columns),
                      strip_from_context=strip_from_context, base=base,
                      tokenizer=tokenizer, max_steps=max_steps, minutes=minutes, batch_size=batch_size, grad_accum=grad_accum,
                      block_size=block_size, packing=packing, mask_prefix=mask_prefix, lr=lr, warmup_steps=warmup_steps,
                      weight_decay=weight_decay, dropout=dropout, eval_every=eval_every, eval_examples=eval_examples,
                      keep_last=keep_last, val_fraction=val_fraction, max_records=max_records, seed=seed, device=device,
                      precision=precision, resume=resume)
    from modiste.distributed import shutdown_distributed

    try:
        summary = run_training(cfg)
    finally:
        shutdown_distributed()
    summary.pop("history", None)
    if int(os.environ.get("RANK", "0")) == 0:
        click.echo(json.dumps(summary))


def _sampling_options(f):
    """The sampling flags shared by `generate` and `eval`."""
    options = [
        click.option("-n", "--num", "n", type=int, default=1, show_default=True, help="Outputs per context."),
        click.option("--temperature", type=float, default=0.8, show_default=True, help="0 = greedy."),
        click.option("--top-k", type=int, default=50, show_default=True),
        click.option("--top-p", type=float, default=0.95, show_default=True),
        click.option("--repetition-penalty", type=float, default=1.2, show_default=True),
        click.option("--max-new-tokens", type=int, default=120, show_default=True),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option("--batch-size", type=int, default=32, show_default=True),
        click.option("--device", default="auto", show_default=True),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _options(n, temperature, top_k, top_p, repetition_penalty, max_new_tokens, seed, batch_size, reject_copies=False, max_retries=3):
    from modiste.text.generate import SamplingOptions, check_sampling

    if n < 1:
        raise ModisteError(f"-n {n}: ask for at least 1 output per context")
    check_sampling(temperature, top_p, max_new_tokens)
    return SamplingOptions(n=n, temperature=temperature, top_k=top_k, top_p=top_p, repetition_penalty=repetition_penalty,
                           max_new_tokens=max_new_tokens, seed=seed, batch_size=batch_size, reject_copies=reject_copies,
                           max_retries=max_retries)


@text.command()
@click.option("--model", required=True, help="Run folder from `modiste text train` (uses best/) or a save_pretrained folder.")
@click.option("--context", "contexts", multiple=True, help="A context such as 'sleeveless red asymmetric dress' (repeatable).")
@click.option("--contexts", "contexts_file", default=None, help="File of contexts: .txt one per line, or .csv (see --context-column).")
@click.option("--context-column", default=None, help="CSV column holding the contexts (default: the first).")
@click.option("--out", "out_path", default=None, help="Write JSONL here (atomically) instead of printing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per output with context and text.")
@click.option("--reject-copies", is_flag=True, help="Resample outputs that copy a training description; drop them if they keep copying.")
@click.option("--max-retries", type=int, default=3, show_default=True)
@click.option("--corpus", default=None, help="Training corpus for --reject-copies when --model is not a run folder.")
@click.option("--text-column", default=None)
@_sampling_options
def generate(model, contexts, contexts_file, context_column, out_path, as_json, reject_copies, max_retries, corpus, text_column,
             n, temperature, top_k, top_p, repetition_penalty, max_new_tokens, seed, batch_size, device) -> None:
    """Generate product descriptions for one or many contexts."""
    from modiste.text.generate import DescriptionGenerator, read_contexts

    all_contexts = list(contexts) + (read_contexts(contexts_file, context_column) if contexts_file else [])
    if not all_contexts:
        raise ModisteError("no context given: pass --context 'red sleeveless dress' or --contexts FILE")
    opts = _options(n, temperature, top_k, top_p, repetition_penalty, max_new_tokens, seed, batch_size, reject_copies, max_retries)
    train_texts = None
    if corpus:
        from modiste.text.corpus import load_corpus

        train_texts = [r.text for r in load_corpus(corpus, text_column, val_fraction=0.0).train]
    generator = DescriptionGenerator(model, device, train_texts)
    outputs = generator.generate(all_contexts, opts, progress=len(all_contexts) * n > 8)
    if reject_copies and len(outputs) < len(all_contexts) * n:
        click.echo(f"dropped {len(all_contexts) * n - len(outputs)} outputs that kept copying training descriptions", err=True)
    lines = [json.dumps(o, ensure_ascii=False) for o in outputs]
    if out_path:
        from modiste.atomic import atomic_write_text

        atomic_write_text(out_path, "".join(line + "\n" for line in lines))
        click.echo(f"wrote {len(lines)} descriptions to {out_path}", err=True)
    elif as_json:
        click.echo("\n".join(lines))
    else:
        for o in outputs:
            click.echo(f"[{o['context']}] {o['text']}")


@text.command(name="eval")
@click.option("--model", required=True, help="Run folder from `modiste text train` or one of its checkpoints.")
@click.option("--context", "contexts", multiple=True, help="Contexts to sample (default: the validation contexts).")
@click.option("--contexts", "contexts_file", default=None, help="File of contexts (.txt or .csv).")
@click.option("--num-contexts", type=int, default=100, show_default=True, help="Validation contexts to sample when none are given.")
@click.option("--corpus", default=None, help="Evaluate on this file instead of the run's saved validation split.")
@click.option("--text-column", default=None)
@click.option("--context-columns", default="")
@click.option("--report", "report_path", default=None, help="Write the full report (with samples) as JSON here.")
@_sampling_options
def evaluate(model, contexts, contexts_file, num_contexts, corpus, text_column, context_columns, report_path,
             n, temperature, top_k, top_p, repetition_penalty, max_new_tokens, seed, batch_size, device) -> None:
    """Validation perplexity, adherence, diversity and copy rate of a trained model."""
    from modiste.text.evaluate import evaluate_model
    from modiste.text.generate import read_contexts

    chosen = list(contexts) + (read_contexts(contexts_file) if contexts_file else [])
    opts = _options(n, temperature, top_k, top_p, repetition_penalty, max_new_tokens, seed, batch_size)
    report = evaluate_model(model, chosen or None, num_contexts, opts, corpus, text_column, _columns(context_columns), device)
    if report_path:
        from modiste.atomic import atomic_write_json

        atomic_write_json(report_path, report)
    summary = {k: v for k, v in report.items() if k != "samples"}
    click.echo(json.dumps(summary, indent=2))

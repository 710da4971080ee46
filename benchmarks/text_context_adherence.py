"""Context adherence before and after context-preserving packing (issue 11.6).

Two parts, printed as one JSON object:

1. `packing`: for a run's training split and tokenizer, what the old packing (examples end to
   end, cut every `block` tokens) and the current one (`modiste.text.dataset.pack_examples`) put
   in the windows: windows, share of window tokens that are text, description tokens trained per
   window, share of windows that start with a context, and share of trained description tokens
   whose context is not in their window. Provenance is tracked by packing code numbers
   (example * 100000 + position) in place of token ids.
2. `before` / `after`: `modiste text eval` figures (validation perplexity, adherence, attribute
   and word usage, contradiction rate, diversity, copying) of two models trained with the same
   budget, sampled from the same validation contexts with the same seeds (mean over `--seeds`).

    python benchmarks/text_context_adherence.py --run /work/runs/text-model \\
        --before /work/runs/text-before/checkpoints/step-0000200 --after /work/runs/text-model/checkpoints/step-0000200 \\
        --num-contexts 459 --seeds 0,1,2
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

CODE = 100_000  # token code = example index * CODE + position in the example


def old_split_packing(examples, block: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The packing before issue 11.6: all examples end to end, cut into windows, ragged tail dropped."""
    ids = torch.tensor([t for e in examples for t in e.ids])
    labels = torch.tensor([t for e in examples for t in e.labels])
    n = ids.numel() // block
    return ids[: n * block].view(n, block), labels[: n * block].view(n, block)


def context_stats(codes: torch.Tensor, labels: torch.Tensor, prefix_len: list[int]) -> dict:
    """Statistics of windows whose ids are provenance codes (pad = -1)."""
    from modiste.text.dataset import IGNORE

    example, position = codes // CODE, codes % CODE
    trained = labels != IGNORE
    is_prefix = (codes >= 0) & (position < torch.tensor(prefix_len)[example.clamp(min=0)])
    starts_with_context = (codes[:, 0] >= 0) & (position[:, 0] == 0)
    orphan = 0
    for row in range(codes.shape[0]):
        with_context = set(example[row][is_prefix[row] & (position[row] == 0)].tolist())
        orphan += sum(int(e) not in with_context for e in example[row][trained[row] & ~is_prefix[row]].tolist())
    description_tokens = int((trained & ~is_prefix).sum())
    return {"windows": codes.shape[0], "text_share": round(float((codes >= 0).float().mean()), 4),
            "description_tokens_per_window": round(description_tokens / codes.shape[0], 1),
            "windows_starting_with_context": round(float(starts_with_context.float().mean()), 4),
            "description_tokens_without_context": round(orphan / max(description_tokens, 1), 4)}


def packing_report(run: Path, block: int | None) -> dict:
    from transformers import GPT2TokenizerFast

    from modiste.text.corpus import read_records
    from modiste.text.dataset import Example, encode_records, pack_examples
    from modiste.text.generate import load_template

    model_dir = run / "best"
    tokenizer = GPT2TokenizerFast.from_pretrained(model_dir)
    block = block or json.loads((model_dir / "config.json").read_text())["n_positions"]
    examples = encode_records(read_records(run / "data" / "train.jsonl"), tokenizer, load_template(model_dir))
    coded = [Example([i * CODE + j for j in range(len(e.ids))], e.labels, e.prefix_len) for i, e in enumerate(examples)]
    prefix_len = [e.prefix_len for e in examples]
    old_ids, old_labels = old_split_packing(coded, block)
    new_ids, new_labels = pack_examples(coded, block, pad_id=-1)
    return {"examples": len(examples), "block": block, "before_split_packing": context_stats(old_ids, old_labels, prefix_len),
            "after_context_packing": context_stats(new_ids, new_labels, prefix_len)}


def eval_report(model: str, n_contexts: int, seeds: list[int]) -> dict:
    """`modiste text eval` figures per sampling seed and their mean over seeds."""
    from modiste.text.evaluate import evaluate_model
    from modiste.text.generate import SamplingOptions

    runs = []
    for seed in seeds:
        report = evaluate_model(model, n_contexts=n_contexts, opts=SamplingOptions(seed=seed), device="cpu")
        report.pop("samples")
        runs.append({k: (round(v, 4) if isinstance(v, float) else v) for k, v in report.items()})
    numeric = [k for k, v in runs[0].items() if isinstance(v, (int, float))]
    mean = {k: round(sum(r[k] for r in runs) / len(runs), 4) for k in numeric}
    return {"model": model, "seeds": seeds, "mean": mean, "per_seed": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="Run folder whose training split and tokenizer the packing figures use.")
    parser.add_argument("--block", type=int, default=None, help="Window length (default: the model's).")
    parser.add_argument("--before", default=None, help="Model trained with the old packing.")
    parser.add_argument("--after", default=None, help="Model trained with context packing, same budget.")
    parser.add_argument("--num-contexts", type=int, default=100)
    parser.add_argument("--seeds", default="0", help="Comma-separated sampling seeds; figures are averaged over them.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    result = {"benchmark": "text_context_adherence", "packing": packing_report(args.run, args.block)}
    for name in ("before", "after"):
        if getattr(args, name):
            result[name] = eval_report(getattr(args, name), args.num_contexts, [int(x) for x in args.seeds.split(",")])
            print(json.dumps({name: result[name]}), flush=True)  # partial result, in case the second is interrupted
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

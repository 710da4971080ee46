"""Text throughput on CPU: our training loop vs a plain Hugging Face `Trainer`, and generation.

Both trainers get the same GPT-2 config, initial weights, tokenizer, packed token windows, batch
size, optimiser settings (fused AdamW, warm-up + cosine, clip 1.0) and thread count; runs alternate
(ours then HF, HF then ours, ...) so machine load and process warm-up hit both alike. Time per step
is taken from the end of one optimiser step to the end of the next, after `--warmup` steps, so data
loading and per-step bookkeeping count for both. Generation compares our batched generator with a one-prompt-at-a-time
`model.generate` loop on the same contexts.

    python benchmarks/text_throughput.py --presets scratch-tiny,scratch-small --steps 20 --repeats 3
    python benchmarks/text_throughput.py --quick      # seconds: a smoke test

Prints one JSON record per measurement and one summary record per preset.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "text" / "myntra_products_catalog.csv"
CONTEXTS = ["sleeveless red asymmetric dress", "black short sleeve jumpsuit", "blue slim fit checked casual shirt",
            "white printed round neck t-shirt", "green embroidered kurta with palazzos", "grey hooded sweatshirt",
            "pink floral maxi skirt", "brown leather chelsea boots"]


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def our_trainer(args, preset: str, out: Path):
    """Our trainer, set up (corpus, tokenizer, windows, initial weights) but not run yet."""
    from modiste.text.train import TextTrainer, TrainConfig

    cfg = TrainConfig(corpus=str(args.corpus), out=str(out), text_column="Description", context_columns=("Product_Name",),
                      base=preset, max_steps=args.steps, eval_every=10**9, eval_examples=8, max_records=args.records,
                      batch_size=args.batch_size, block_size=args.block_size, warmup_steps=2, progress=False, device="cpu")
    trainer = TextTrainer(cfg)
    init = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    return trainer, init


def hf_trainer_seconds(args, trainer, init_state: dict) -> list[float]:
    """Per-step seconds of a plain transformers.Trainer on our windows, from our initial weights."""
    from transformers import GPT2LMHeadModel, PrinterCallback, Trainer, TrainerCallback, TrainingArguments

    model = GPT2LMHeadModel(trainer.model.config)
    model.load_state_dict(init_state)
    ids, labels = trainer.stream.windows

    class Windows(torch.utils.data.Dataset):
        def __len__(self):
            return ids.shape[0]

        def __getitem__(self, i):
            return {"input_ids": ids[i], "labels": labels[i]}

    stamps: list[float] = []

    class Clock(TrainerCallback):
        def on_step_end(self, *_, **__):
            stamps.append(time.perf_counter())

    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=args.batch_size, max_steps=args.steps, learning_rate=1e-3,
            warmup_steps=2, lr_scheduler_type="cosine", weight_decay=0.1, adam_beta2=0.95, max_grad_norm=1.0,
            logging_steps=10**9, save_strategy="no", eval_strategy="no", report_to="none", use_cpu=True,
            dataloader_num_workers=0, disable_tqdm=True, seed=0,
        )
        hf = Trainer(model=model, args=targs, train_dataset=Windows(), callbacks=[Clock()])
        hf.remove_callback(PrinterCallback)  # it prints the final metrics dict to stdout
        start = time.perf_counter()
        hf.train()
    return [b - a for a, b in zip([start] + stamps[:-1], stamps)]


def generation_tokens_per_s(model_dir: Path, tokens: int, batched: bool) -> float:
    from modiste.text.generate import DescriptionGenerator, SamplingOptions

    gen = DescriptionGenerator(model_dir, device="cpu")
    opts = SamplingOptions(max_new_tokens=tokens, temperature=0.8, batch_size=len(CONTEXTS) if batched else 1)
    start = time.perf_counter()
    outputs = gen.generate(CONTEXTS, opts)
    seconds = time.perf_counter() - start
    produced = sum(len(gen.tokenizer(" " + o["text"], add_special_tokens=False)["input_ids"]) + 1 for o in outputs)
    return produced / seconds


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--presets", default="scratch-tiny,scratch-small")
    p.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3, help="steps left out of the timing")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--block-size", type=int, default=128)
    p.add_argument("--records", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--gen-tokens", type=int, default=48)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="scratch-tiny, 4 steps, 1 repeat")
    args = p.parse_args(argv)
    if args.quick:
        args.presets, args.steps, args.warmup, args.repeats, args.records, args.gen_tokens = "scratch-tiny", 4, 1, 1, 300, 8
    torch.set_num_threads(args.threads)
    from modiste.text.models import quiet_transformers

    quiet_transformers()
    for preset in args.presets.split(","):
        ratios, gen_ratios = [], []
        for repeat in range(args.repeats):
            with tempfile.TemporaryDirectory() as tmp:
                trainer, init = our_trainer(args, preset, Path(tmp) / "run")
                tokens_per_step = args.batch_size * args.block_size
                if repeat % 2:  # alternate which loop goes first, so neither always gets the warmer process
                    hf_seconds = hf_trainer_seconds(args, trainer, init)
                    trainer.run()
                else:
                    trainer.run()
                    hf_seconds = hf_trainer_seconds(args, trainer, init)
                ours_tps = tokens_per_step / statistics.mean(trainer.step_times[args.warmup:])
                hf_tps = tokens_per_step / statistics.mean(hf_seconds[args.warmup:])
                common = {"preset": preset, "repeat": repeat, "threads": args.threads, "batch": args.batch_size, "block": args.block_size}
                emit({"bench": "train", "impl": "modiste", "tokens_per_s": round(ours_tps, 1), **common})
                emit({"bench": "train", "impl": "hf_trainer", "tokens_per_s": round(hf_tps, 1), **common})
                ratios.append(ours_tps / hf_tps)
                model_dir = Path(tmp) / "run"
                batched = generation_tokens_per_s(model_dir, args.gen_tokens, batched=True)
                single = generation_tokens_per_s(model_dir, args.gen_tokens, batched=False)
                emit({"bench": "generate", "impl": "modiste_batched", "tokens_per_s": round(batched, 1), **common})
                emit({"bench": "generate", "impl": "one_by_one", "tokens_per_s": round(single, 1), **common})
                gen_ratios.append(batched / single)
        emit({"bench": "summary", "preset": preset, "train_speed_vs_hf_trainer": round(statistics.median(ratios), 3),
              "generate_batched_vs_one_by_one": round(statistics.median(gen_ratios), 2), "repeats": args.repeats})


if __name__ == "__main__":
    sys.exit(main())

import pytest
import torch

from modiste.errors import ModisteError
from modiste.text.generate import DescriptionGenerator, SamplingOptions
from modiste.text.models import PRESETS, scratch_config
from modiste.text.prompts import PromptTemplate
from modiste.text.tokenizer import train_bpe_tokenizer


@pytest.fixture(scope="module")
def rigged(tmp_path_factory):
    """A tiny GPT-2 whose next token is always `forced`: its final LayerNorm outputs a constant e0."""
    from transformers import GPT2LMHeadModel

    texts = [PromptTemplate().format("red dress", f"red dress number {i} with red trim") for i in range(100)]
    tok = train_bpe_tokenizer(texts, vocab_size=300)
    model = GPT2LMHeadModel(scratch_config(PRESETS["scratch-tiny"], len(tok), tok.eos_token_id))
    folder = tmp_path_factory.mktemp("rigged")

    def save_forcing(token_id: int):
        with torch.no_grad():
            model.transformer.ln_f.weight.zero_()
            model.transformer.ln_f.bias.zero_()
            model.transformer.ln_f.bias[0] = 1.0
            model.transformer.wte.weight[:, 0] = 0.0
            model.transformer.wte.weight[token_id, 0] = 100.0
        target = folder / str(token_id)
        model.save_pretrained(target)
        tok.save_pretrained(target)
        return target

    return tok, save_forcing


def test_generation_stops_at_eos(rigged):
    tok, save_forcing = rigged
    gen = DescriptionGenerator(save_forcing(tok.eos_token_id), device="cpu")
    out = gen.generate(["red dress"], SamplingOptions(n=3, max_new_tokens=20))
    assert [o["text"] for o in out] == ["", "", ""]


def test_generation_respects_max_new_tokens(rigged):
    tok, save_forcing = rigged
    red = tok(" red", add_special_tokens=False)["input_ids"]
    assert len(red) == 1
    gen = DescriptionGenerator(save_forcing(red[0]), device="cpu")
    out = gen.generate(["red dress", "a much longer context for a red dress"], SamplingOptions(max_new_tokens=7, temperature=0))
    assert [o["text"] for o in out] == ["red " * 6 + "red"] * 2


def test_context_longer_than_window_is_a_clear_error(tiny_run):
    out, _ = tiny_run
    gen = DescriptionGenerator(out, device="cpu")
    with pytest.raises(ModisteError, match="shorten the context"):
        gen.generate(["red dress " * 200])


def test_batched_generation_equals_one_by_one(tiny_run):
    out, _ = tiny_run
    gen = DescriptionGenerator(out, device="cpu")
    opts = SamplingOptions(temperature=0, max_new_tokens=12)
    contexts = ["black short sleeve jumpsuit", "sleeveless red asymmetric dress with a very long title for padding"]
    together = [o["text"] for o in gen.generate(contexts, opts)]
    alone = [gen.generate([c], opts)[0]["text"] for c in contexts]
    assert together == alone


def test_reject_copies_drops_outputs_that_copy_training_text(tiny_run):
    out, _ = tiny_run
    gen = DescriptionGenerator(out, device="cpu")
    outputs = gen.generate(["red dress"], SamplingOptions(n=4, max_new_tokens=16, reject_copies=True))
    assert all(o["near_copy"] is False and "copied_words" in o for o in outputs)
    # with a copy rule that flags everything of 5+ words, no long output survives
    gen.copy_index.copy_fraction = 0.0
    strict = gen.generate(["red dress"], SamplingOptions(n=4, max_new_tokens=16, reject_copies=True, max_retries=1))
    assert all(len(o["text"].split()) < gen.copy_index.min_words for o in strict)

"""Composing products with tiny models: reproduction from a seed, the CLI, and its bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_runner import run_modiste
from modiste.products.compose import ProductComposer
from modiste.products.export.jsonl import read_jsonl



def cli(args: list[str]) -> int:
    return run_modiste(*args)


@pytest.fixture(scope="module")
def composer_args(tiny_run, tiny_tagger, tiny_text_model):
    return dict(generator=tiny_run, tagger=tiny_tagger, text_model=tiny_text_model)


def test_product_is_reproduced_from_its_seed(composer_args):
    first = ProductComposer(**composer_args).from_seed(3, "Dresses")
    again = ProductComposer(**composer_args).from_seed(3, "Dresses")  # fresh models, same seed
    assert np.array_equal(first.image.numpy(), again.image.numpy())
    assert first.to_json() == again.to_json()
    assert first.description == again.description and first.title == again.title
    prov = first.provenance
    assert prov["seed"] == 3 and prov["class"] == "Dresses" and prov["truncation"]["center"] == "class"
    assert prov["models"]["generator"]["checkpoint_hash"] and prov["models"]["text_model"]["sha256"]
    assert prov["text"]["sampling"]["seed"] == 3 and prov["text"]["sampling"]["reject_copies"] is True
    assert prov["text"]["candidates"] == prov["text"]["sampling"]["n"] == 4
    assert 0 <= prov["text"]["chosen"] < prov["text"]["kept"] <= 4
    other = ProductComposer(**composer_args).from_seed(4, "Dresses")
    assert not np.array_equal(first.image.numpy(), other.image.numpy())


def test_cli_seeds_reproduce_a_product(composer_args, tmp_path, capsys):
    base = ["product", "--generator", str(composer_args["generator"]), "--tagger", str(composer_args["tagger"]),
            "--text-model", str(composer_args["text_model"]), "--class", "Dresses", "--max-new-tokens", "12",
            "--quiet"]
    assert cli(base + ["--n", "2", "--outdir", str(tmp_path / "a")]) == 0
    assert cli(base + ["--seeds", "1", "--outdir", str(tmp_path / "b")]) == 0
    a = {p.handle: p for p in read_jsonl(tmp_path / "a" / "products.jsonl")}
    b = read_jsonl(tmp_path / "b" / "products.jsonl")
    assert sorted(a) == ["dresses-seed-0000", "dresses-seed-0001"]
    assert b[0].to_json() == a["dresses-seed-0001"].to_json()
    image = "images/dresses-seed-0001.png"
    assert (tmp_path / "a" / image).read_bytes() == (tmp_path / "b" / image).read_bytes()
    for name in ("catalogue.html", "shopify_products.csv"):
        assert (tmp_path / "a" / name).is_file()


def test_strict_drops_flagged_products(composer_args, tmp_path):
    # the random tagger calls some of these t-shirts jeans: flagged products must vanish with --strict
    base = ["product", "--generator", str(composer_args["generator"]), "--tagger", str(composer_args["tagger"]),
            "--text-model", str(composer_args["text_model"]), "--class", "Tshirts", "--n", "3",
            "--max-new-tokens", "8", "--formats", "jsonl", "--quiet"]
    assert cli(base + ["--outdir", str(tmp_path / "all")]) == 0
    assert cli(base + ["--strict", "--outdir", str(tmp_path / "strict")]) == 0
    everything = read_jsonl(tmp_path / "all" / "products.jsonl")
    kept = read_jsonl(tmp_path / "strict" / "products.jsonl")
    assert 0 < len(kept) < len(everything)  # some of each, or the test checks nothing
    assert [p.handle for p in kept] == [p.handle for p in everything if not p.flagged]
    assert sorted(f.name for f in (tmp_path / "strict" / "images").iterdir()) == [f"{p.handle}.png" for p in kept]
    for p in everything:
        if p.flagged:
            assert p.reasons and all(": " in r for r in p.reasons)


def _error(args, capsys) -> str:
    assert cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_class_on_unconditional_generator(tiny_run_uncond, tiny_tagger, tiny_text_model, tmp_path, capsys):
    err = _error(["product", "--generator", str(tiny_run_uncond), "--tagger", str(tiny_tagger), "--text-model",
                  str(tiny_text_model), "--class", "Dresses", "--n", "1", "--outdir", str(tmp_path / "o")], capsys)
    assert "unconditional" in err and "drop --class" in err
    assert not (tmp_path / "o").exists()


def test_unknown_class(composer_args, tmp_path, capsys):
    err = _error(["product", "--generator", str(composer_args["generator"]), "--tagger",
                  str(composer_args["tagger"]), "--text-model", str(composer_args["text_model"]), "--class", "Gowns",
                  "--n", "1", "--outdir", str(tmp_path / "o")], capsys)
    assert "Gowns" in err and "Tshirts, Dresses, Jeans" in err
    assert not (tmp_path / "o").exists()


def test_from_real_photo_needs_no_generator(tiny_tagger, tiny_text_model, shared_data):
    from modiste.products.tagging import read_image

    photo = read_image(shared_data / "fashion-products-224" / "images" / "10000.jpg")
    composer = ProductComposer(None, tiny_tagger, tiny_text_model)
    product = composer.from_image(photo, "skirt-10000")
    assert product.handle == "skirt-10000" and product.provenance["source"] == "image"
    assert product.tags.colour is not None and product.tags.colour.base_colour == "White"  # a white skirt
    assert json.loads(json.dumps(product.to_json()))["handle"] == "skirt-10000"


def test_a_photo_with_a_class_the_tagger_does_not_know_is_refused(tiny_tagger, tiny_text_model, shared_data,
                                                                  tmp_path, capsys):
    photo = shared_data / "fashion-products-224" / "images" / "10000.jpg"
    base = ["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--image", str(photo)]
    err = _error(base + ["--class", "Nope", "--outdir", str(tmp_path / "a")], capsys)
    assert "unknown class 'Nope': the tagger's articleType classes are Dresses, Jeans, Tshirts" in err
    assert "did you mean 'Jeans'?" in _error(base + ["--class", "jeans", "--outdir", str(tmp_path / "b")], capsys)
    assert not (tmp_path / "a").exists()
    assert cli(base + ["--class", "Jeans", "--max-new-tokens", "4", "--quiet", "--outdir", str(tmp_path / "c")]) == 0


def test_resolution_warning_names_the_tagger_to_train(composer_args):
    from modiste.products.tagger.input_size import InputSize

    composer = ProductComposer(**composer_args)
    assert composer.resolution_warning() is None  # a tagger that recorded no training size
    composer.tagger.input_size = InputSize(None)  # trained on full-size photos; the tiny G makes 16x24
    note = composer.resolution_warning()
    assert note.startswith("the tagger learned from photos at their own size, these images are 16x24")
    assert note.endswith("train a tagger with --resolution 16 --aspect 2:3")
    composer.tagger.input_size = InputSize((16, 24))
    assert composer.resolution_warning() is None


class _TaxonomyThatCannotPlaceAnything:
    """A text classifier that makes no claim, as a real one does for text it has never seen the like of."""

    def predict(self, texts: list[str]) -> list[dict]:
        from modiste.products.text_taxonomy import TextLabel

        return [{"articleType": TextLabel(None, 0.0)} for _ in texts]


def test_confirm_category_flags_an_undetermined_description(composer_args):
    taxonomy = _TaxonomyThatCannotPlaceAnything()
    lenient = ProductComposer(**composer_args, text_taxonomy=taxonomy).from_seed(3, "Dresses")
    confirmed = ProductComposer(**composer_args, text_taxonomy=taxonomy, confirm_category=True).from_seed(3, "Dresses")
    check = {c.name: c for c in lenient.checks}["description_category"]
    assert check.passed and check.reason.startswith("undetermined")
    assert any(r.startswith("description_category: undetermined") for r in confirmed.reasons)
    assert confirmed.flagged and confirmed.description == lenient.description


def test_the_chosen_candidate_passes_at_least_as_many_checks_as_the_first(composer_args):
    single = ProductComposer(**composer_args, text_candidates=1)
    several = ProductComposer(**composer_args, text_candidates=4)
    for seed in range(3):
        first, best = single.from_seed(seed, "Tshirts"), several.from_seed(seed, "Tshirts")
        assert first.provenance["text"]["candidates"] == 1 and first.provenance["text"]["chosen"] in (0, -1)
        assert len(best.reasons) <= len(first.reasons) or not first.description


def test_confirm_category_needs_a_text_taxonomy(composer_args):
    from modiste.errors import ModisteError

    with pytest.raises(ModisteError, match="--confirm-category needs --text-taxonomy"):
        ProductComposer(**composer_args, confirm_category=True)


def test_a_description_cut_off_by_the_token_limit_ends_at_its_last_sentence(composer_args, monkeypatch):
    composer = ProductComposer(**composer_args, text_candidates=1)
    outs = [{"text": "Red woven dress, sleeveless. Comes with an inner", "finished": False, "attempts": 1}]
    monkeypatch.setattr(composer.text, "generate", lambda contexts, opts: outs)
    assert composer.from_seed(1, "Dresses").description == "Red woven dress, sleeveless."
    outs[0].update(finished=True)  # a text the model ended itself is kept whole
    assert composer.from_seed(1, "Dresses").description == "Red woven dress, sleeveless. Comes with an inner"


def test_a_generator_class_the_tagger_cannot_confirm_is_warned_about(composer_args, tmp_path, capsys, monkeypatch):
    from modiste.products.tagging import ImageTagger

    real = ImageTagger.__init__

    def without_jeans(self, *args, **kwargs):  # as a tagger that folded the rare class into "other"
        real(self, *args, **kwargs)
        self.tagger.specs["articleType"].classes = ["Dresses", "Tshirts", "other"]

    monkeypatch.setattr(ImageTagger, "__init__", without_jeans)
    assert cli(["product", "--generator", str(composer_args["generator"]), "--tagger", str(composer_args["tagger"]),
                "--text-model", str(composer_args["text_model"]), "--class", "Jeans", "--n", "1", "--max-new-tokens",
                "4", "--quiet", "--outdir", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert "warning: the image check will fail on every product: unknown class 'Jeans'" in err

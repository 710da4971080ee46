from modiste.text.prompts import EOS, PromptTemplate
from modiste.text.tokenizer import load_tokenizer, train_bpe_tokenizer


def test_prompt_template_round_trip():
    template = PromptTemplate()
    text = "Red solid woven A-line dress, has a V-neck and sleeveless."
    formatted = template.format(("Sleeveless Red  Asymmetric Dress", "Red"), text)
    assert formatted == f"Product: sleeveless red asymmetric dress | red\nDescription: {text}{EOS}"
    assert template.parse(formatted) == ("sleeveless red asymmetric dress | red", text)
    assert formatted.startswith(template.prefix(("Sleeveless Red Asymmetric Dress", "Red")))
    assert template.parse(template.format((), text)) == ("", text)  # no context: no first line
    assert PromptTemplate(lowercase_context=False).context_string("Red Dress") == "Red Dress"


def test_gpt2_tokenizer_round_trip_with_eos(gpt2_tokenizer_dir):
    tok = load_tokenizer(gpt2_tokenizer_dir)
    assert tok.eos_token == EOS and tok.eos_token_id == 50256 and tok.pad_token_id == 50256
    formatted = PromptTemplate().format("black short sleeve jumpsuit", "Black jumpsuit with a round neck.")
    ids = tok(formatted, add_special_tokens=False)["input_ids"]
    assert ids[-1] == 50256 and ids.count(50256) == 1
    assert tok.decode(ids) == formatted


def test_trained_bpe_round_trip_with_eos():
    texts = [PromptTemplate().format(f"item {i}", f"Blue cotton shirt number {i}, has a spread collar.") for i in range(200)]
    tok = train_bpe_tokenizer(texts, vocab_size=400)
    assert tok.eos_token_id == 0 and len(tok) <= 400
    ids = tok(texts[7], add_special_tokens=False)["input_ids"]
    assert ids[-1] == tok.eos_token_id and tok.decode(ids) == texts[7]
    assert len(ids) < len(texts[7]) / 2  # merges were learned

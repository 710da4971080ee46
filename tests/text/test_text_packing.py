"""Packing keeps every description with its context (issue 11.6)."""

import pytest
import torch

from modiste.errors import ModisteError
from modiste.text.corpus import Record
from modiste.text.dataset import IGNORE, BatchStream, Example, best_fit_decreasing, encode_records, pack_examples
from modiste.text.prompts import CONTEXT_TAG, TEXT_TAG, PromptTemplate
from modiste.text.tokenizer import load_tokenizer

PAD, CTX = 0, 1  # synthetic ids: a prefix is [CTX, k, k]; example k's description tokens are 1000 * k + j


def synthetic(k: int, body_len: int, mask_prefix: bool = True) -> Example:
    prefix = [CTX, k, k]
    body = [1000 * k + j for j in range(body_len)]
    return Example(prefix + body, ([IGNORE] * 3 if mask_prefix else prefix) + body, 3)


def segments(ids: list[int], labels: list[int]) -> list[tuple[int, list[int], list[int]]]:
    """A window read back as (example k, description ids, description labels) per segment; checks the prefixes."""
    out, at = [], 0
    while at < len(ids) and ids[at] != PAD:
        assert ids[at] == CTX, f"segment at {at} does not start with a context"
        k = ids[at + 1]
        assert ids[at + 2] == k
        at += 3
        start = at
        while at < len(ids) and ids[at] not in (PAD, CTX):
            assert ids[at] // 1000 == k, "a description continues without its own context"
            at += 1
        out.append((k, ids[start:at], labels[start:at]))
    assert all(i == PAD for i in ids[at:]) and all(lab == IGNORE for lab in labels[at:])
    return out


@pytest.mark.parametrize("mask_prefix", [True, False])
def test_every_window_starts_with_the_context_of_its_description(mask_prefix):
    lengths = [5, 40, 12, 7, 90, 3, 25, 60, 18, 9, 33, 150, 2]  # 90, 150 > block: split
    examples = [synthetic(k + 2, n, mask_prefix) for k, n in enumerate(lengths)]
    block = 64
    ids, labels = pack_examples(examples, block, PAD)
    assert ids.shape == labels.shape and ids.shape[1] == block
    trained: dict[int, list[int]] = {}
    for row in range(ids.shape[0]):
        window_ids, window_labels = ids[row].tolist(), labels[row].tolist()
        assert window_ids[0] == CTX  # the window starts with a context
        for k, body, body_labels in segments(window_ids, window_labels):
            assert body == list(range(body[0], body[0] + len(body)))  # a contiguous run of example k's description
            # read-only lead-in first (continuations), then labelled tokens equal to the ids
            n_lead = sum(lab == IGNORE for lab in body_labels)
            assert all(lab == IGNORE for lab in body_labels[:n_lead]) and body_labels[n_lead:] == body[n_lead:]
            assert n_lead == 0 or body_labels[n_lead:], "a continuation trains at least one new token"
            trained.setdefault(k, []).extend(body_labels[n_lead:])
        # prefix labels: masked, or (unmasked run) learned once, on the description's first piece only
        for at in (i for i in range(block) if window_ids[i] == CTX):
            k, starts_description = window_ids[at + 1], window_ids[at + 3] == 1000 * window_ids[at + 1]
            expect = window_ids[at : at + 3] if (not mask_prefix and starts_description) else [IGNORE] * 3
            assert window_labels[at : at + 3] == expect, k
    # every description token is trained exactly once, in order
    assert trained == {k + 2: [1000 * (k + 2) + j for j in range(n)] for k, n in enumerate(lengths)}


def test_continuation_pieces_lead_in_with_half_a_window():
    ids, labels = pack_examples([synthetic(7, 150)], 64, PAD)
    pieces = sorted((seg for row in range(ids.shape[0]) for seg in segments(ids[row].tolist(), labels[row].tolist())),
                    key=lambda s: s[1][0])
    room, stride = 64 - 3, (64 - 3) // 2
    assert [len(body) for _, body, _ in pieces] == [room] * 4  # each continuation fills its window
    assert [sum(lab != IGNORE for lab in labs) for _, _, labs in pieces] == [room, stride, stride, 150 - room - 2 * stride]


def test_best_fit_decreasing_fills_bins_optimally_on_a_known_case():
    lengths = [6, 2, 5, 3, 4, 4]
    bins = best_fit_decreasing(lengths, 8)
    assert sorted(sorted(lengths[i] for i in b) for b in bins) == [[2, 6], [3, 5], [4, 4]]
    assert sorted(i for b in bins for i in b) == list(range(6))
    with pytest.raises(ValueError):
        best_fit_decreasing([9], 8)


def test_real_windows_decode_to_context_then_description(gpt2_tokenizer_dir, myntra):
    from modiste.text.corpus import load_corpus

    tok = load_tokenizer(gpt2_tokenizer_dir)
    records = load_corpus(str(myntra), "Description", ("Product_Name",), 0.0, 0, max_records=200).train
    template = PromptTemplate()
    examples = encode_records(records, tok, template)
    block = 96
    assert any(len(e.ids) > block for e in examples)  # the split path is exercised
    stream = BatchStream(examples, block, batch_size=4, packing=True, pad_id=tok.pad_token_id)
    ids, labels = stream.windows
    prefixes = {template.prefix(r.context) for r in records}
    for row in range(ids.shape[0]):
        text = tok.decode(ids[row].tolist())
        assert text.startswith(CONTEXT_TAG)
        for part in text.split(CONTEXT_TAG)[1:]:  # every description follows its own context line
            head = CONTEXT_TAG + part.split(TEXT_TAG)[0] + TEXT_TAG
            assert head in prefixes
    # loss on description tokens only: their count is the examples' description tokens (split pieces trained once)
    assert int((labels != IGNORE).sum()) == sum(len(e.ids) - e.prefix_len for e in examples)
    whole = sum(len(e.ids) for e in examples)
    # 2-3 examples per 96-token window leave gaps no example fits; the full corpus fills 96 % of 256-token windows
    assert ids.shape[0] >= -(-whole // block) and 0.8 < stream.fill <= 1.0


def test_a_context_that_fills_the_window_is_a_clear_error():
    long_prefix = Example(list(range(1, 70)), [IGNORE] * 63 + list(range(64, 70)), 63)
    with pytest.raises(ModisteError, match="shorten the context columns or raise --block-size"):
        pack_examples([long_prefix], 64, PAD)
    assert pack_examples([Example([CTX, 5, 5, 5000], [IGNORE] * 3 + [5000], 3)], 8, PAD)[0].tolist() == [[CTX, 5, 5, 5000, 0, 0, 0, 0]]
    assert torch.equal(pack_examples([synthetic(3, 4)], 7, PAD)[1], torch.tensor([[IGNORE] * 3 + [3000, 3001, 3002, 3003]]))

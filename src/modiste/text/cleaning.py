"""Cleaning of catalogue text: HTML, mojibake, glued sentences and whitespace.

Catalogue exports are messy in a few repeatable ways, all handled here so that training and the
copy check see the same text:
- HTML tags and entities from web CMS exports (`<li>Cotton</li>`, `&amp;`);
- mojibake: UTF-8 bytes decoded as cp1252/latin-1 (`Ã©` for `é`, `â€™` for `’`);
- sentences glued where a bullet list was flattened (`...zip closureGrey net dupatta`), which
  the Myntra catalogue has in a third of its rows;
- runs of spaces, tabs and newlines.

Rows whose description still holds an unfilled template placeholder (`woven fit and flare %S`,
45 rows of the Myntra catalogue) cannot be repaired; `has_template_placeholder` finds them so the
corpus drops them rather than teaching the model to write `%S`.
"""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"<[^>]{0,200}>")
_BREAK_TAG = re.compile(r"<\s*(br|/p|/li|/div)\s*/?\s*>", re.IGNORECASE)
# Lower-case letter directly followed by a capitalised word: a flattened bullet boundary.
_GLUED = re.compile(r"(?<=[a-z\)])(?=[A-Z][a-z])")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")
_WHITESPACE = re.compile(r"\s+")
# printf-style (%s, %S, %d), Jinja/Handlebars ({{ name }}) and shell-style (${name}) slots.
_PLACEHOLDER = re.compile(r"%[sSd]\b|\{\{[^{}]{0,60}\}\}|\$\{[^{}]{0,60}\}")
# Characters that only appear in text when UTF-8 was decoded with a single-byte codec.
_MOJIBAKE_HINT = re.compile("[ÃÂâ][\u0080-\u00bf\u20ac\u201a-\u203a\u2122\u0152\u0153\u0160\u0161\u017d\u017e\u0178]")


def fix_mojibake(text: str) -> str:
    """Undo one round of UTF-8-read-as-cp1252 (or latin-1) when the result is cleaner."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            repaired = text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if len(_MOJIBAKE_HINT.findall(repaired)) < len(_MOJIBAKE_HINT.findall(text)):
            return repaired
    return text


def clean_text(text: str | None, split_glued: bool = True) -> str:
    """Return `text` as one clean line; '' for missing or blank input."""
    if not text:
        return ""
    text = fix_mojibake(str(text))
    text = _BREAK_TAG.sub(". ", text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    if split_glued:
        text = _GLUED.sub(". ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    text = re.sub(r"([.;,])(?:\s*[.;,])+", r"\1", text)  # '. .' left by removed tags
    return text.lstrip(" .;,").rstrip(" ;,")


def has_template_placeholder(text: str) -> bool:
    """True when `text` contains a template slot that was never filled in."""
    return _PLACEHOLDER.search(text) is not None


def trim_to_sentence(text: str) -> str:
    """`text` up to its last full sentence ("... flared hem. Comes with an inner" -> "... flared hem."),
    for a description cut off by a token limit; unchanged when it has no sentence end to cut at."""
    ends = [m.end() for m in re.finditer(r"[.!?](?=\s|$)", text)]
    return text[:ends[-1]] if ends else text

"""The prompt template: the same text layout at training and at generation time.

A training example is

    Product: <context>\\n
    Description: <description><|endoftext|>

`<context>` is the record's context values (title, category, colour ...) joined with " | ",
lower-cased by default so that a designer's "sleeveless red asymmetric dress" looks like the
catalogue titles the model saw. Without context the first line is left out. The prefix ends at
"Description:" and the description starts with a space, so the tokens the model learns to produce
after the prefix are exactly the ones it samples at generation time. Training can mask the loss on
the prefix (`prefix_mask`), so the model spends its capacity on descriptions, not on titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

EOS = "<|endoftext|>"
CONTEXT_TAG = "Product:"
TEXT_TAG = "Description:"
CONTEXT_SEPARATOR = " | "


@dataclass(frozen=True)
class PromptTemplate:
    lowercase_context: bool = True

    def context_string(self, context: str | Iterable[str]) -> str:
        """One line of context from a string or a sequence of attribute values."""
        parts = [context] if isinstance(context, str) else list(context)
        text = CONTEXT_SEPARATOR.join(re.sub(r"\s+", " ", p).strip() for p in parts if p and p.strip())
        return text.lower() if self.lowercase_context else text

    def prefix(self, context: str | Iterable[str]) -> str:
        ctx = self.context_string(context)
        return f"{CONTEXT_TAG} {ctx}\n{TEXT_TAG}" if ctx else TEXT_TAG

    @staticmethod
    def completion(text: str) -> str:
        return " " + text.strip() + EOS

    def format(self, context: str | Iterable[str], text: str) -> str:
        return self.prefix(context) + self.completion(text)

    @staticmethod
    def parse(formatted: str) -> tuple[str, str]:
        """Split a formatted example (or generated text) back into (context, description)."""
        head, sep, tail = formatted.partition(TEXT_TAG)
        if not sep:
            return "", formatted.replace(EOS, "").strip()
        context = head.strip()
        if context.startswith(CONTEXT_TAG):
            context = context[len(CONTEXT_TAG):].strip()
        return context, tail.split(EOS, 1)[0].strip()

    def to_json(self) -> dict:
        return {"lowercase_context": self.lowercase_context, "layout": f"{CONTEXT_TAG} {{context}}\\n{TEXT_TAG} {{text}}{EOS}"}

    @staticmethod
    def from_json(obj: dict | None) -> "PromptTemplate":
        return PromptTemplate(lowercase_context=bool((obj or {}).get("lowercase_context", True)))

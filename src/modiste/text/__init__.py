"""Product descriptions with GPT-2: corpus, prompt template, training, generation, evaluation.

The CLI (`modiste text train|generate|eval`) lives in `modiste.text.cli`; the Python API is the
functions it wraps: `load_corpus`, `train`, `generate`, `evaluate_model`.
"""

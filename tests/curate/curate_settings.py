"""Curation settings shared by the curate tests (a uniquely named module, unlike `conftest`)."""

from modiste.data.curate.config import CurationConfig

# Studio shots are 224 px; tiny cases are 64-150 px. Every other threshold is the default.
TEST_CONFIG = CurationConfig(min_side=200)

"""GPU tests: they run where CUDA is visible (a GPU workstation, the device machine) and skip in CI."""

from __future__ import annotations

import pytest
import torch


def pytest_collection_modifyitems(items):
    skip = pytest.mark.skip(reason="needs a CUDA GPU")
    for item in items:
        if "tests/gpu/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.cuda)
            if not torch.cuda.is_available():
                item.add_marker(skip)

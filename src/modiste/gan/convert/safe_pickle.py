"""Read NVlabs network pickles (stylegan2-ada-pytorch, stylegan3) without running anything they name.

Those pickles store every network as a "persistent class": the pickle calls
`torch_utils.persistence._reconstruct_persistent_obj(meta)`, where `meta` holds the class's
Python source (`module_src`), its name and the object's `__dict__` (parameters, buffers,
sub-modules). A normal `pickle.load` would exec that source, so a file from the internet could run
any code. `SafeUnpickler.find_class` answers only a fixed allow-list, and for each name it hands
out one of Modiste's own functions, never the object the file names:

    torch._utils._rebuild_tensor_v2 / _rebuild_parameter   tensors and parameters (torch's, data only)
    torch.storage._load_from_bytes                         re-read with torch.load(weights_only=True)
    collections.OrderedDict, builtins.set / frozenset      plain containers
    torch_utils.persistence._reconstruct_persistent_obj    -> PersistentRecord(meta): the source is kept
                                                              as a string and never executed
    dnnlib.util.EasyDict                                   -> dict
    numpy scalar / dtype                                   -> Python float / int / bool (numeric only)

Anything else (os.system, builtins.eval, a torch.nn class, ...) raises UnsafePickleError before any
object is built.
"""

from __future__ import annotations

import collections
import io
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modiste.errors import ModisteError


class UnsafePickleError(ModisteError):
    """The pickle names something outside the allow-list (it could run code): nothing was executed."""


@dataclass
class PersistentRecord:
    """What a persistent-class object holds, without its class: `state` is its `__dict__`."""

    class_name: str
    module_src: str
    state: dict[str, Any]

    def module(self, name: str) -> "PersistentRecord":
        return self.state["_modules"][name]

    def tensors(self, prefix: str = "") -> dict[str, torch.Tensor]:
        """Parameters and buffers of this record and its sub-modules, by dotted name (a state dict)."""
        out: dict[str, torch.Tensor] = {}
        for key in ("_parameters", "_buffers"):
            for name, value in (self.state.get(key) or {}).items():
                if isinstance(value, torch.Tensor):
                    out[prefix + name] = value.detach()
        for name, child in (self.state.get("_modules") or {}).items():
            if isinstance(child, PersistentRecord):
                out.update(child.tensors(f"{prefix}{name}."))
        return out


def _reconstruct_persistent(meta: dict[str, Any]) -> PersistentRecord:
    if not isinstance(meta, dict) or meta.get("type") != "class":
        raise UnsafePickleError("the network pickle holds a persistent object of an unknown kind: refusing to read it")
    return PersistentRecord(str(meta.get("class_name")), str(meta.get("module_src", "")), dict(meta.get("state") or {}))


def _storage_from_bytes(data: bytes) -> Any:
    # a tensor's storage, written by torch.save inside the pickle; torch's weights-only loader reads it
    return torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")


class _DType:
    """Stand-in for numpy.dtype while unpickling: records the type code, builds nothing."""

    def __init__(self, code: str, align: bool = False, copy: bool = True) -> None:
        self.code, self.byteorder = str(code), "<"

    def __setstate__(self, state: tuple) -> None:
        if isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "|", "="):
            self.byteorder = state[1]


def _numpy_scalar(dtype: _DType, raw: bytes) -> float | int | bool:
    if not isinstance(dtype, _DType) or dtype.code[:1] not in "fiub" or not isinstance(raw, bytes):
        raise UnsafePickleError("the network pickle holds a non-numeric numpy value: refusing to read it")
    return np.frombuffer(raw, dtype=np.dtype(dtype.byteorder.replace("|", "") + dtype.code))[0].item()


ALLOWED: dict[tuple[str, str], Any] = {
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent,
    ("dnnlib.util", "EasyDict"): dict,
    ("numpy.core.multiarray", "scalar"): _numpy_scalar,
    ("numpy._core.multiarray", "scalar"): _numpy_scalar,
    ("numpy", "dtype"): _DType,
}


class SafeUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only the names in ALLOWED, to Modiste's own stand-ins."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePickleError(
                f"the pickle asks to run {module}.{name}, which a network file never needs: refusing to read it "
                "(nothing was executed)") from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafePickleError("the pickle refers to external objects (persistent ids): refusing to read it")


def load_network_pickle(path: str | Path) -> Any:
    """The top-level object of an NVlabs network pickle, networks as PersistentRecords.

    Raises UnsafePickleError (a ModisteError) for anything outside the allow-list and ModisteError
    for a file that is not a readable pickle.
    """
    try:
        with open(path, "rb") as f:
            return SafeUnpickler(f).load()
    except UnsafePickleError:
        raise
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, RuntimeError) as e:
        raise ModisteError(f"cannot read {path} as a network pickle ({type(e).__name__}: {e})") from e

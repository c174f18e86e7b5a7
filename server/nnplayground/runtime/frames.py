"""The binary frame: `uint32 LE header_len | UTF-8 JSON header | arrays` (architecture.md §4).

Every array is described in the header (name, dtype, shape, offset, and `scale`/`min` when
quantised), so any client decodes a frame without hard-coded offsets. Nothing non-finite ever
leaves here: NaN/inf metrics become null and non-finite array values become 0, because a
diverged model must not crash or corrupt the page.
"""

from __future__ import annotations

import json
import math
import struct
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

JsonDict = dict[str, Any]
_ALLOWED_DTYPES = frozenset({"uint8", "uint16", "int32", "float16", "float32"})
_LITTLE = sys.byteorder == "little"


@dataclass(frozen=True)
class WireArray:
    """One array for the wire and the descriptor fields beyond name/dtype/shape/offset."""

    name: str
    data: np.ndarray
    extra: Mapping[str, float] = field(default_factory=dict)  # e.g. {"scale": s, "min": m}


def finite_or_none(value: Any) -> float | None:
    """A JSON-safe float: None for None/NaN/inf."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def clean_metrics(metrics: Mapping[str, Any]) -> JsonDict:
    """Metrics with every float (and every float in a list) made finite-or-null."""
    out: JsonDict = {}
    for key, value in metrics.items():
        if isinstance(value, list | tuple | np.ndarray):
            out[key] = [finite_or_none(v) for v in np.asarray(value, dtype=np.float64).ravel()]
        else:
            out[key] = finite_or_none(value)
    return out


_WIRE_DTYPES = {np.dtype(name): name for name in _ALLOWED_DTYPES}


def _wire_bytes(array: np.ndarray) -> tuple[str, bytes]:
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    name = _WIRE_DTYPES.get(array.dtype)  # native byte order
    if name is None:
        raise TypeError(f"array dtype {array.dtype} has no wire representation")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        array = np.nan_to_num(array, nan=0.0, posinf=0.0, neginf=0.0)
    return name, array.tobytes() if _LITTLE else array.astype(
        array.dtype.newbyteorder("<")
    ).tobytes()


def encode_frame(header: Mapping[str, Any], arrays: Iterable[WireArray]) -> bytes:
    """One binary frame; `header` gets an `arrays` list of descriptors (4-byte aligned offsets)."""
    descriptors: list[JsonDict] = []
    chunks: list[bytes] = []
    offset = 0
    for item in arrays:
        dtype, raw = _wire_bytes(np.asarray(item.data))
        descriptor: JsonDict = {
            "name": item.name,
            "dtype": dtype,
            "shape": [int(s) for s in np.shape(item.data)],
            "offset": offset,
        }
        for key, value in item.extra.items():
            descriptor[key] = finite_or_none(value) or 0.0
        descriptors.append(descriptor)
        pad = (-len(raw)) % 4
        chunks.append(raw + b"\0" * pad)
        offset += len(raw) + pad
    head = json.dumps({**header, "arrays": descriptors}, allow_nan=False, separators=(",", ":"))
    head_bytes = head.encode()
    # Pad the header with JSON whitespace so the array section starts 4-aligned in the message:
    # a browser's Float32Array view over the received ArrayBuffer requires it.
    head_bytes += b" " * ((-(4 + len(head_bytes))) % 4)
    return b"".join([struct.pack("<I", len(head_bytes)), head_bytes, *chunks])

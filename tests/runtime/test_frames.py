"""frames.py: the binary layout and nothing non-finite on the wire (decoded by the tests' own
decoder, written from the contract)."""

from __future__ import annotations

import json
import struct

import numpy as np

from nnplayground.runtime.frames import WireArray, clean_metrics, encode_frame
from wsclient import decode


def test_encoder_layout_and_no_nan_on_the_wire() -> None:
    arrays = [
        WireArray("q", np.arange(7, dtype=np.uint8), {"scale": 0.5, "min": -1.0}),
        WireArray("f", np.array([1.5, np.nan, np.inf, -np.inf], np.float32)),
        WireArray("g", np.ones((2, 3), np.float64)),  # widened floats go out as float32
    ]
    message = encode_frame({"step": 3, "metrics": {"train_loss": None}}, arrays)
    (header_len,) = struct.unpack_from("<I", message)
    assert (4 + header_len) % 4 == 0  # typed-array views need the section 4-aligned
    header = json.loads(message[4 : 4 + header_len])
    assert [d["offset"] for d in header["arrays"]] == [0, 8, 24]
    frame = decode(message)
    np.testing.assert_array_equal(frame.value("q"), -1.0 + 0.5 * np.arange(7))
    np.testing.assert_array_equal(frame.raw["f"], [1.5, 0.0, 0.0, 0.0])
    assert frame.raw["g"].dtype == np.float32 and frame.raw["g"].shape == (2, 3)


def test_metrics_are_finite_or_null() -> None:
    got = clean_metrics({"a": np.float32(np.nan), "b": 2, "c": [1.0, np.inf], "d": None})
    assert got == {"a": None, "b": 2.0, "c": [1.0, None], "d": None}

"""csvdata.py: CSV text to points, errors naming the line."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.runtime.csvdata import CsvError, parse_points


def test_rows_separators_header_and_comments() -> None:
    text = "x1,x2,label\n# a comment\n\n1,2,0\n3;4;1\n5\t6 1\n-0.5  1e-1  0\n"
    got = parse_points(text, max_points=10)
    assert got.dtype == np.float32
    expected = np.array([[1, 2, 0], [3, 4, 1], [5, 6, 1], [-0.5, 0.1, 0]], np.float32)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,0\nfoo,2,1\n", "line 2: expected 3 numbers"),
        ("1,2\n", "line 1: expected 3 columns"),
        ("1,2,0\n1,nan,1\n", "line 2: values must be finite"),
        ("# only a comment\n", "no data rows"),
        ("1,2,0\n" * 4, "at most 3 rows"),
        ("__import__('os'),1,1\n1,2,3\n4,5,x\n", "line 3"),  # never evaluated
    ],
)
def test_bad_csv_names_the_line(text: str, message: str) -> None:
    with pytest.raises(CsvError, match=message):
        parse_points(text, max_points=3)

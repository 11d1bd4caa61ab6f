"""HTML result tables."""

import re

import numpy as np
import pytest

from ganbook.pages.tables import html_table


def test_html_table_rows_columns_and_escaping():
    out = html_table(
        {"bicubic": {"PSNR": 24.123456, "note": "a<b"}, "L1": {"PSNR": 26.0, "SSIM": 0.5}},
        digits=2,
        caption="x",
        index_name="method",
    )
    assert out.startswith('<table class="ganbook-table"') and "<caption>x</caption>" in out
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", out)
    assert heads[:4] == ["method", "PSNR", "note", "SSIM"]
    cells = re.findall(r'<td style="([^"]*)">([^<]*)</td>', out)
    assert ("24.12", "a&lt;b", "") == (cells[0][1], cells[1][1], cells[2][1])
    assert "text-align: right" in cells[0][0] and "text-align: right" not in cells[1][0]
    assert all("padding" in style and "border" in style for style, _ in cells)
    with pytest.raises(ValueError, match="at least one row"):
        html_table({})


def test_identifier_headers_read_as_words_and_numpy_floats_are_rounded():
    from ganbook.pages.tables import readable

    assert [readable(c) for c in ["fd", "kid", "min_class_share", "PSNR (dB)", "kid_std"]] == [
        "FD", "KID", "min class share", "PSNR (dB)", "KID std"]
    out = html_table({"run": {"fd": np.float32(1.23456), "n": 3}})
    assert ">1.235</td>" in out and ">3</td>" in out and ">FD</th>" in out


def test_a_link_cell_is_an_anchor():
    from ganbook.pages.tables import Link

    out = html_table({"x": {"chapter": Link("image/04_portraits", "../image/04_portraits.html")}})
    assert '<a href="../image/04_portraits.html">image/04_portraits</a>' in out

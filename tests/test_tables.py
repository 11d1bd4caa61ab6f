"""HTML result tables."""

import pytest

from ganbook.tables import html_table


def test_html_table_rows_columns_and_escaping():
    out = html_table(
        {"bicubic": {"PSNR": 24.123456, "note": "a<b"}, "L1": {"PSNR": 26.0, "SSIM": 0.5}},
        digits=2,
        caption="x",
        index_name="method",
    )
    assert out.startswith("<table><caption>x</caption>")
    assert "<th>method</th><th>PSNR</th><th>note</th><th>SSIM</th>" in out
    assert "<td>24.12</td>" in out and "a&lt;b" in out and "<td></td>" in out
    with pytest.raises(ValueError, match="at least one row"):
        html_table({})

"""Bibliography labels that match the author-year citations: "Goodfellow et al., 2014".

sphinxcontrib-bibtex cites author-year in the text, but pybtex's styles label the list
by number ([1], [2], ...), so a reader cannot find a citation in it. This extension
registers a pybtex style, ``authoryear``: pybtex's ``plain`` with these labels.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def author_year(entry) -> str:
    """``"Smith, 2020"``, ``"Smith and Lee, 2020"`` or ``"Smith et al., 2020"``."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    # LaTeX in names (accents, braces) rendered as plain text: Bi\'nkowski -> Bińkowski
    last = [Text.from_latex(" ".join(p.last_names)).render_as("text") for p in people]
    if not last:
        names = entry.fields.get("title", entry.key).split(":")[0].strip("{} ")
    elif len(last) == 1:
        names = last[0]
    elif len(last) == 2:
        names = f"{last[0]} and {last[1]}"
    else:
        names = f"{last[0]} et al."
    return f"{names}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(PlainStyle):
    default_label_style = "authoryear"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

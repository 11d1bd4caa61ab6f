"""The book's Sphinx extension: bibliography labels in the text's author-year form."""

import sys
from pathlib import Path

from pybtex.database import parse_string

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from authoryear import author_year

BIB = r"""
@article{one, author = {Goodfellow, Ian}, title = {A}, year = {2014}}
@article{two, author = {Zhu, Jun-Yan and Park, Taesung}, title = {B}, year = {2017}}
@article{many, author = {Karras, T. and Aila, T. and Laine, S.}, title = {C}, year = {2018}}
@article{noyear, author = {{van den Oord}, A\"aron}, title = {D}}
@article{accent, author = {Bi\'nkowski, Miko{\l}aj}, title = {E}, year = {2018}}
"""


def test_labels_name_one_two_or_et_al_and_the_year():
    entries = parse_string(BIB, "bibtex").entries
    assert author_year(entries["one"]) == "Goodfellow, 2014"
    assert author_year(entries["two"]) == "Zhu and Park, 2017"
    assert author_year(entries["many"]) == "Karras et al., 2018"
    assert author_year(entries["noyear"]) == "van den Oord, n.d."
    assert author_year(entries["accent"]) == "Bińkowski, 2018"


def test_every_entry_of_the_book_gets_a_label():
    bib = Path(__file__).resolve().parents[1] / "references.bib"
    entries = parse_string(bib.read_text(), "bibtex").entries
    labels = [author_year(e) for e in entries.values()]
    assert all("n.d." not in label and label.split(",")[0] for label in labels)

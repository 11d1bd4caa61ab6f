"""ganbook.glue: myst-nb's glue in the book build; without myst-nb (Colab) it shows and keeps
the value, so no notebook needs a package the library does not declare."""

import sys
import types

import pytest

import ganbook
from ganbook import glue
from ganbook.pages.page import GLUED


def test_glue_uses_myst_nb_when_it_is_installed(monkeypatch):
    calls = []
    fake = types.ModuleType("myst_nb")
    fake.glue = lambda name, value, display=True: calls.append((name, value, display))
    monkeypatch.setitem(sys.modules, "myst_nb", fake)
    glue("psnr", 31.5, display=False)
    assert calls == [("psnr", 31.5, False)]
    assert GLUED["psnr"] == 31.5


def test_glue_without_myst_nb_shows_and_keeps_the_value(monkeypatch):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # `import myst_nb` raises ImportError
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda value: shown.append(value))
    glue("fd", 12.25)
    glue("kid", 0.5, display=False)
    assert shown == [12.25]
    assert GLUED["fd"] == 12.25 and GLUED["kid"] == 0.5


def test_glue_is_the_package_level_name():
    assert ganbook.glue is glue and "glue" in ganbook.__all__


@pytest.mark.parametrize("name", ["", None, 3])
def test_glue_names_must_be_strings(name):
    with pytest.raises(ValueError, match="name must be a non-empty string, got"):
        glue(name, 1.0)

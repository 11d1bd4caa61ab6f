"""The music chapter: Bach chorales as 4-voice grids, a MuseGAN-style GAN, and metrics that listen.

- :mod:`~ganbook.music.grid` the representation (pitch + onset on a sixteenth-note step);
- :mod:`~ganbook.music.corpus` music21's chorales -> grids, cached; training windows;
- :mod:`~ganbook.music.midi`, :mod:`~ganbook.music.audio`, :mod:`~ganbook.music.plots` output;
- :mod:`~ganbook.music.models` generator and critic; :mod:`~ganbook.music.training` glue;
- :mod:`~ganbook.music.metrics` objective metrics and baselines.

May import the core, the pages and :mod:`ganbook.text` (the caption encoder that text to music
conditions on); nothing imports it but the recipes and the exercises.
"""

from .corpus import Chorales, Windows, load_chorales, make_sampler, windows
from .grid import decode, encode, notes

__all__ = [
    "Chorales",
    "Windows",
    "decode",
    "encode",
    "load_chorales",
    "make_sampler",
    "notes",
    "windows",
]

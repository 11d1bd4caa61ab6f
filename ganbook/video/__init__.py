"""Video: digits bouncing on a small canvas, and a MoCoGAN (Tulyakov et al. 2018) that makes them.

:mod:`.data` renders the clips (known digit, known trajectory), :mod:`.mocogan` holds the
model and its trainer, :mod:`.sprite` a generator with a stronger prior (one drawn sprite per
clip, moved by the motion codes), :mod:`.arms` the chapter's four arms as recipes (built,
trained and shipped from there), :mod:`.metrics` the measures of frame quality, identity and
motion.

May import the core, the pages, :mod:`ganbook.image` (its digits and classifier) and
:mod:`ganbook.foundations` (one 1-D Wasserstein distance).
"""

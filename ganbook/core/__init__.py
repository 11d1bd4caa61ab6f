"""The core every chapter trains with: the one loop (``loop``, ``train``), the one loss module,
the one checkpoint format, profiles and every test-mode switch, devices and threads,
torchrun, speed options, callbacks, in-memory samplers, MLP nets and small helpers.

Imports no other part of ganbook: every other part may import it.
"""

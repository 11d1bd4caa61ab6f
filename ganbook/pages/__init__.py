"""What a notebook shows on its page: glued numbers and the profile note (``page``), figures
(``plots``), HTML tables (``tables``), widgets with a static fallback (``widgets``), errors
shown briefly (``errors``) and the results files a `cpu` run records (``records``).

May import the core only; every chapter may import it.
"""

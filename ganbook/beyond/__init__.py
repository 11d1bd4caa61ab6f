"""The "Beyond" part of the book: the GAN doctor (``diagnose``) and its patients
(``clinic``), the rivals GANs are measured against in the trends chapter (``diffusion``,
``pixelcnn``), and the tools chapter's bridge to torchmetrics (``interop``).

May import the core, the pages, the foundations' toy data and the image chapters.
"""

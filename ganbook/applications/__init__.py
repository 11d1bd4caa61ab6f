"""The application chapters (``book/applications/``), one module each, on shared blocks.

* ``super_resolution`` (01), ``inpainting`` (02), ``pix2pix`` (03), ``cyclegan`` (04),
  ``singan`` and its patch measures ``patches`` (05), ``text_to_image`` and its ``captions``
  (07). Video (06) is :mod:`ganbook.video`, text to music (08) :mod:`ganbook.music.describe`.
* Blocks they share: ``unet`` (the generators), ``patchgan`` (the patch discriminator) and
  ``quality`` (PSNR, SSIM, power spectrum, gradient energy, the two-sample classifier test).

May import the core, the pages, :mod:`ganbook.image` (digits, the classifier, checks,
resampling) and :mod:`ganbook.text` (the caption encoder); nothing in the core or in
``image`` imports it.
"""

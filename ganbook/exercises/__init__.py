"""Self-checking coding exercises: ``check_xxx(my_fn)`` runs a reader's function on hidden
cases, compares it with the library's own implementation, and prints "Correct" or a hint
(the input, what was expected, what came back). Each returns True or False.

The notebooks show the stub to write and the call in their exercises; the checkers are
grouped by part of the book, and :data:`CHECKERS` says which page uses each.

May import the chapters it checks (foundations, applications, image, music, text), the core
and the pages. ``python -m ganbook.exercises.student`` is the instructor's kit.
"""

from __future__ import annotations

from .applications import check_colourfulness, check_mean_fill, check_psnr, check_thicken
from .foundations import check_discriminator_loss, check_optimal_discriminator
from .image import (
    check_class_shares,
    check_frechet_distance,
    check_hinge_loss,
    check_in_manifold,
    check_mmd,
    check_slerp,
)
from .music import check_encode, check_pitch_class_histogram, check_voice_crossing
from .runner import Case, run_checks
from .text import (
    check_beta_schedule,
    check_bleu1,
    check_inverse_cdf,
    check_soft_embedding,
    check_temperature,
)

CHECKERS = {
    "book/foundations/two_player_game": check_discriminator_loss,
    "book/image/01_dcgan_digits": check_frechet_distance,
    "book/image/02_loss_zoo": check_hinge_loss,
    "book/image/03_conditional": check_class_shares,
    "book/image/04_portraits": check_mmd,
    "book/image/05_latent_space": check_slerp,
    "book/image/06_evaluating_gans": check_in_manifold,
    "book/text/01_mle_oracle": check_temperature,
    "book/text/02_seqgan": check_inverse_cdf,
    "book/text/03_gumbel_gan": check_beta_schedule,
    "book/text/04_names_and_words": check_bleu1,
    "book/music/01_scores_to_tensors": check_encode,
    "book/music/02_chorale_gan": check_voice_crossing,
    "book/music/03_controlling_style": check_pitch_class_histogram,
    "book/foundations/minimax_math": check_optimal_discriminator,
    "book/project/article_text_gan": check_soft_embedding,
    "book/applications/01_super_resolution": check_psnr,
    "book/applications/02_inpainting": check_mean_fill,
    "book/applications/03_pix2pix": check_colourfulness,
    "book/applications/04_cyclegan": check_thicken,
}
"""The page (without .ipynb) whose exercises use each checker."""

__all__ = ["CHECKERS", "Case", "run_checks", *sorted(f.__name__ for f in CHECKERS.values())]

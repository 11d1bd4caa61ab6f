"""The image chapters (``book/image/``): digits and faces; DCGAN, conditional and
self-conditioned GANs, DiffAugment, the latent space and sample-quality metrics, and the image
helpers every chapter shares (``checks``, ``resample``, ``colour``, ``classifier``,
``attributes``).

May import the core, the pages and :mod:`ganbook.text`; the application chapters
(:mod:`ganbook.applications`) build on it, never the other way round.
"""

from .attributes import ink, slant
from .classifier import DigitClassifier, load_digit_classifier, train_digit_classifier
from .data import image_crops, load_digits, load_faces, load_mnist, read_idx
from .dcgan import DCGANDiscriminator, DCGANGenerator, mlp_gan
from .diffaugment import AugmentedDiscriminator, diff_augment, unaugmented
from .latent import (
    DirectionEffect,
    attribute_direction,
    direction_effect,
    interpolate,
    lerp,
    steered_codes,
)
from .metrics import (
    DigitEvaluator,
    PCAFeatures,
    Scores,
    checkerboard_share,
    class_shares,
    confidence,
    discriminator_gap,
    frechet_distance,
    in_manifold,
    kernel_distance,
    memorisation_ratio,
    nearest_neighbours,
    precision_recall,
    scores_table,
)
from .recipes import (
    HINGE_SN,
    TrainingMonitor,
    image_gan,
    load_generator,
    sample,
    save_generator,
    self_conditioned_gan,
    train_image_gan,
)
from .selfcond import (
    SelfConditionedGenerator,
    StratifiedScores,
    cluster_purity,
    kmeans_labels,
    score_stratified,
)
from .smalldata import SmallDataStudy

__all__ = [
    "AugmentedDiscriminator",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DigitClassifier",
    "DigitEvaluator",
    "DirectionEffect",
    "HINGE_SN",
    "PCAFeatures",
    "Scores",
    "SelfConditionedGenerator",
    "SmallDataStudy",
    "StratifiedScores",
    "TrainingMonitor",
    "attribute_direction",
    "checkerboard_share",
    "class_shares",
    "cluster_purity",
    "confidence",
    "diff_augment",
    "direction_effect",
    "discriminator_gap",
    "frechet_distance",
    "image_crops",
    "image_gan",
    "in_manifold",
    "ink",
    "interpolate",
    "kernel_distance",
    "kmeans_labels",
    "lerp",
    "load_digit_classifier",
    "load_digits",
    "load_faces",
    "load_generator",
    "load_mnist",
    "memorisation_ratio",
    "mlp_gan",
    "nearest_neighbours",
    "precision_recall",
    "read_idx",
    "sample",
    "save_generator",
    "score_stratified",
    "scores_table",
    "self_conditioned_gan",
    "slant",
    "steered_codes",
    "train_digit_classifier",
    "train_image_gan",
    "unaugmented",
]

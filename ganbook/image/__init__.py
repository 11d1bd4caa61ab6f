"""Image generation: digits, faces and textures; DCGAN, conditional and self-conditioned GANs, DiffAugment
and sample-quality metrics."""
from .classifier import DigitClassifier, load_digit_classifier, train_digit_classifier
from .data import image_crops, load_digits, load_faces, load_mnist, read_idx
from .dcgan import DCGANDiscriminator, DCGANGenerator, mlp_gan
from .diffaugment import AugmentedDiscriminator, diff_augment
from .latent import attribute_direction, interpolate, lerp
from .metrics import (DigitEvaluator, PCAFeatures, Scores, checkerboard_share, class_shares, discriminator_gap,
                      frechet_distance, in_manifold, kernel_distance, memorisation_ratio, nearest_neighbours,
                      precision_recall, scores_table)
from .recipes import (HINGE_SN, LinearDecay, TrainingMonitor, image_gan, load_generator, sample, save_generator,
                      self_conditioned_gan, train_image_gan)
from .selfcond import SelfConditionedGenerator, cluster_purity, kmeans_labels

__all__ = [
    "AugmentedDiscriminator", "DCGANDiscriminator", "DCGANGenerator", "DigitClassifier", "DigitEvaluator",
    "HINGE_SN", "LinearDecay", "PCAFeatures", "Scores", "SelfConditionedGenerator", "TrainingMonitor",
    "attribute_direction", "checkerboard_share", "class_shares", "cluster_purity", "diff_augment",
    "discriminator_gap", "frechet_distance", "image_crops", "image_gan", "in_manifold", "interpolate",
    "kernel_distance", "kmeans_labels", "lerp", "load_digit_classifier", "load_digits", "load_faces",
    "load_generator", "load_mnist", "memorisation_ratio", "mlp_gan", "nearest_neighbours", "precision_recall",
    "read_idx", "sample", "save_generator", "scores_table", "self_conditioned_gan",
    "train_digit_classifier", "train_image_gan",
]

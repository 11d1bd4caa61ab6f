"""Image generation: digits, faces and textures; DCGAN, conditional GANs, DiffAugment and sample-quality metrics."""
from .classifier import DigitClassifier, load_digit_classifier, train_digit_classifier
from .data import image_crops, load_digits, load_faces, load_mnist, read_idx
from .dcgan import DCGANDiscriminator, DCGANGenerator, mlp_gan
from .diffaugment import AugmentedDiscriminator, diff_augment
from .latent import attribute_direction, interpolate, lerp, slerp
from .metrics import (DigitEvaluator, PCAFeatures, Scores, class_shares, discriminator_gap, frechet_distance,
                      kernel_distance, memorisation_ratio, nearest_neighbours, precision_recall, scores_table)
from .recipes import TrainingMonitor, image_gan, load_generator, sample, save_generator, train_image_gan

__all__ = [
    "AugmentedDiscriminator", "DCGANDiscriminator", "DCGANGenerator", "DigitClassifier", "DigitEvaluator",
    "PCAFeatures", "Scores", "TrainingMonitor", "attribute_direction", "class_shares", "diff_augment",
    "discriminator_gap", "frechet_distance", "image_crops", "image_gan", "interpolate", "kernel_distance", "lerp",
    "load_digit_classifier", "load_digits", "load_faces", "load_generator", "load_mnist", "memorisation_ratio",
    "mlp_gan", "nearest_neighbours", "precision_recall", "read_idx", "sample", "save_generator", "scores_table",
    "slerp", "train_digit_classifier", "train_image_gan",
]

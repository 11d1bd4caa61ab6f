"""Image generation: digits, faces and textures; DCGAN, conditional GANs, DiffAugment and sample-quality metrics."""
from .classifier import DigitClassifier, load_digit_classifier, train_digit_classifier
from .data import image_crops, load_digits, load_faces, load_mnist, read_idx
from .dcgan import DCGANDiscriminator, DCGANGenerator, mlp_gan
from .diffaugment import AugmentedDiscriminator, diff_augment
from .metrics import (DigitEvaluator, Scores, class_shares, frechet_distance, kernel_distance, memorisation_ratio,
                      nearest_neighbours, precision_recall)

__all__ = [
    "AugmentedDiscriminator", "DCGANDiscriminator", "DCGANGenerator", "DigitClassifier", "DigitEvaluator", "Scores",
    "class_shares", "diff_augment", "frechet_distance", "image_crops", "kernel_distance", "load_digit_classifier",
    "load_digits", "load_faces", "load_mnist", "memorisation_ratio", "mlp_gan", "nearest_neighbours",
    "precision_recall", "read_idx", "train_digit_classifier",
]

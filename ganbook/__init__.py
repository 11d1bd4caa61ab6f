"""ganbook: the library behind the book *Generative Adversarial Networks for Content Creation*."""

from .checkpoint import load_checkpoint, load_pretrained, save_checkpoint
from .device import get_device, seed_everything, set_threads
from .diagnose import diagnose
from .losses import LOSSES, GANLoss, get_loss, gradient_penalty
from .pages import glue, profile_summary, show_profile
from .profiles import PROFILES, Profile, get_profile
from .records import record_results, show_results
from .train import Trainer

__version__ = "0.1.0"

__all__ = [
    "LOSSES",
    "PROFILES",
    "GANLoss",
    "Profile",
    "Trainer",
    "profile_summary",
    "record_results",
    "show_results",
    "diagnose",
    "get_device",
    "get_loss",
    "get_profile",
    "glue",
    "gradient_penalty",
    "load_checkpoint",
    "load_pretrained",
    "save_checkpoint",
    "seed_everything",
    "set_threads",
    "show_profile",
]

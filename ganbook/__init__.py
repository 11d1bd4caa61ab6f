"""ganbook: the library behind the book *Generative Adversarial Networks for Content Creation*."""

from .beyond.diagnose import diagnose
from .core.checkpoint import load_checkpoint, load_pretrained, save_checkpoint
from .core.device import get_device, seed_everything, set_threads
from .core.losses import LOSSES, GANLoss, get_loss, gradient_penalty
from .core.profiles import PROFILES, Profile, get_profile
from .core.train import Trainer
from .pages.page import glue, profile_summary, show_profile
from .pages.records import record_results, show_results

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

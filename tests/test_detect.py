"""The fake detectors: spectrum features, training on the shared loop, balanced accuracy."""

import pytest
import torch

from ganbook import seed_everything
from ganbook.image.detect import (
    DetectorTrainer,
    PixelDetector,
    SpectrumDetector,
    detection_accuracy,
    log_spectrum,
    spectrum_gap,
)


def smooth_and_checker(n=200, seed=0):
    """'Real' images are smooth blobs; 'fakes' the same plus a faint checkerboard (an
    upsampling artefact at the highest frequency)."""
    gen = torch.Generator().manual_seed(seed)
    real = torch.nn.functional.avg_pool2d(torch.randn(n, 1, 10, 10, generator=gen), 3, 1)
    checker = ((torch.arange(8)[:, None] + torch.arange(8)) % 2 * 2 - 1).float() * 0.3
    fake = torch.nn.functional.avg_pool2d(torch.randn(n, 1, 10, 10, generator=gen), 3, 1)
    return real, fake + checker


def test_spectrum_sees_the_checkerboard():
    real, fake = smooth_and_checker()
    gap = spectrum_gap(real, fake)
    assert gap.shape == (8, 8) and gap[0, 0] == gap.max()  # fftshift puts Nyquist at (0, 0)
    assert log_spectrum(real).shape == real.shape


@pytest.mark.parametrize("make, lr", [(PixelDetector, 1e-3), (SpectrumDetector, 1e-2)])
def test_detectors_learn_and_miss_fakes_without_the_artefact(make, lr):
    real, fake = smooth_and_checker()
    test_real, test_fake = smooth_and_checker(seed=1)
    seed_everything(0)
    det = make()
    DetectorTrainer(det, real, fake, lr=lr, device="cpu").fit(150, progress=False)
    assert detection_accuracy(det, test_real, test_fake) > 0.9
    # the same fakes without the artefact are not detected
    assert detection_accuracy(det, test_real, smooth_and_checker(seed=2)[0]) < 0.7


def test_balanced_accuracy_and_bad_input():
    class Always(torch.nn.Module):
        def forward(self, x):
            return torch.ones(len(x))

    real, fake = smooth_and_checker(20)
    assert detection_accuracy(Always(), real, fake[:5]) == 0.5
    with pytest.raises(ValueError, match="real must have shape"):
        detection_accuracy(Always(), torch.zeros(3, 8, 8), fake)
    with pytest.raises(ValueError, match="batch_size"):
        DetectorTrainer(PixelDetector(), real, fake, batch_size=0)

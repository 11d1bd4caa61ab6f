"""The fake detectors: spectrum features, training on the shared loop, balanced accuracy."""

import pytest
import torch

from ganbook import seed_everything
from ganbook.image.detect import (
    DetectorTrainer,
    PixelDetector,
    SpectrumDetector,
    accuracy_table,
    detection_accuracy,
    log_spectrum,
    plot_accuracies,
    plot_spectrum_gaps,
    spectrum_gap,
    train_detectors,
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
    with pytest.raises(ValueError, match=r"real must be a tensor of images \(N, 1, H, W\)"):
        detection_accuracy(Always(), torch.zeros(3, 8, 8), fake)
    with pytest.raises(ValueError, match="batch_size"):
        DetectorTrainer(PixelDetector(), real, fake, batch_size=0)


def test_pixel_detector_sizes_and_flips():
    # 8x8: one stride-2 convolution, as before; 24x24 faces: three
    assert len(PixelDetector().net) == 6 and len(PixelDetector(size=24).net) == 10
    assert PixelDetector(size=24)(torch.zeros(5, 1, 24, 24)).shape == (5,)
    # images bright in the left column only: a mirrored one is bright on the right
    left = -torch.ones(20, 1, 8, 8)
    left[..., 0] = 1
    torch.manual_seed(0)
    trainer = DetectorTrainer(PixelDetector(), left, left, batch_size=64, flip=True)
    x, y = trainer.batch()
    assert x.shape == (64, 1, 8, 8) and y.sum() == 32 and trainer.config()["flip"]
    mirrored = x[:, 0, 0, -1] == 1
    assert 10 < int(mirrored.sum()) < 54 and torch.equal(x[mirrored], left[:1].flip(3).expand(
        int(mirrored.sum()), -1, -1, -1))
    x, _ = DetectorTrainer(PixelDetector(), left, left, batch_size=64).batch()
    assert torch.equal(x, left[:1].expand(64, -1, -1, -1))
    real, fake = smooth_and_checker(20)
    with pytest.raises(ValueError, match="one image shape"):
        DetectorTrainer(PixelDetector(), real, torch.zeros(4, 1, 24, 24))


def test_train_detectors_table_and_plot():
    real, fake = smooth_and_checker()
    test_real, test_fake = smooth_and_checker(seed=1)
    detectors = train_detectors(real, fake, 150)
    assert list(detectors) == ["pixel CNN", "spectrum only"]
    rows = accuracy_table(detectors, test_real, {"seen": test_fake, "no artefact": real})
    assert rows["seen"]["pixel CNN"] > 0.9 and rows["seen"]["spectrum only"] > 0.9
    assert rows["no artefact"]["chance"] == 0.5
    fig = plot_accuracies({"toy": rows}, seen={"toy": "seen"})
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "balanced accuracy"
    with pytest.raises(ValueError, match="seen must name"):
        plot_accuracies({"toy": rows}, seen={})
    with pytest.raises(ValueError, match="at least one"):
        accuracy_table(detectors, test_real, {})
    fig = plot_spectrum_gaps(test_real, {"seen": test_fake, "no artefact": real})
    assert len(fig.axes) == 3  # two panels and the colour bar

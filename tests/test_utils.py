"""ganbook.core.utils: eval mode for a block, parameter counts, batched slerp, seeded sampling."""

import pytest
import torch
from torch import nn

from ganbook.core.utils import count_parameters, eval_mode, sample, slerp


class _Cond(nn.Module):
    """G(z, label) = z summed plus the label, with a dropout layer so eval mode matters."""

    latent_dim = 3

    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.scale = nn.Parameter(torch.ones(()))

    def forward(self, z, labels):
        return self.drop(z).sum(1, keepdim=True) * self.scale + labels[:, None].float()


def test_eval_mode_restores_each_modules_mode_even_after_an_error():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2).eval()
    with eval_mode(a, b):
        assert not a.training and not b.training
    assert a.training and not b.training
    with pytest.raises(RuntimeError), eval_mode(a):
        raise RuntimeError("boom")
    assert a.training


def test_count_parameters_skips_frozen_ones():
    net = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 1))
    assert count_parameters(net) == 3 * 4 + 4 + 4 + 1
    net[0].weight.requires_grad_(False)
    assert count_parameters(net) == 4 + 4 + 1


def test_slerp_keeps_the_norm_and_hits_the_ends():
    a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])
    path = slerp(a, b, torch.linspace(0, 1, 5))
    assert path.shape == (5, 2)
    assert torch.allclose(path[0], a) and torch.allclose(path[-1], b)
    assert torch.allclose(path.norm(dim=1), torch.ones(5), atol=1e-6)
    assert slerp(a, b, 0.5).shape == (2,)
    assert torch.allclose(slerp(a, a, 0.3), a)  # parallel: the linear fallback
    with pytest.raises(ValueError, match="same shape"):
        slerp(a, torch.ones(3), 0.5)


def test_batched_slerp_matches_one_pair_at_a_time():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(6, 4, generator=gen), torch.randn(6, 4, generator=gen)
    b[2] = 3 * a[2]  # one parallel pair in the batch
    t = torch.tensor([0.0, 0.25, 1.0])
    batch = slerp(a, b, t)
    assert batch.shape == (3, 6, 4) and slerp(a, b, 0.5).shape == (6, 4)
    for i in range(6):
        assert torch.allclose(batch[:, i], slerp(a[i], b[i], t), atol=1e-6)
    assert torch.allclose(batch[1, 2], 0.75 * a[2] + 0.25 * b[2])


def test_sample_is_seeded_batched_and_in_eval_mode():
    G = _Cond()
    labels = torch.arange(5)
    state = torch.get_rng_state()
    out = sample(G, 5, labels, seed=1)
    assert torch.equal(state, torch.get_rng_state()) and G.training  # global RNG and mode untouched
    z = torch.randn(5, 3, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(out, z.sum(1, keepdim=True) + labels[:, None])  # no dropout: eval mode
    assert torch.equal(sample(G, 5, labels, seed=1, batch_size=2), out)
    assert torch.equal(sample(G, 5, labels, z=z), out)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n": 0}, "n must be"),
        ({"n": 2.0}, "n must be"),
        ({"n": 3, "z": torch.zeros(2, 3)}, "z must have"),
    ],
)
def test_sample_rejects_bad_arguments(kwargs, match):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=match):
        sample(_Cond(), n, torch.zeros(n if isinstance(n, int) and n > 0 else 1), **kwargs)


def test_sample_rejects_a_cond_of_the_wrong_length():
    with pytest.raises(ValueError, match="cond"):
        sample(_Cond(), 3, torch.zeros(2))


def test_ema_update_with_prebuilt_pairs_matches_walking_the_modules():
    import copy

    from ganbook.core.utils import ema_pairs, ema_update

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    model(torch.randn(8, 3))  # moves the batch-norm buffers
    a, b = copy.deepcopy(model), copy.deepcopy(model)
    for p in model.parameters():
        p.data.add_(1.0)
    pairs = ema_pairs(b, model)
    for step in range(3):
        ema_update(a, model, step, 0.9)
        ema_update(b, model, step, 0.9, pairs)
    for x, y in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(x, y)
    assert torch.equal(b[1].running_mean, model[1].running_mean), "buffers are copied"

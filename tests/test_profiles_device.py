import pytest
import torch

from ganbook import get_device, get_profile, profile_summary, seed_everything, set_threads
from ganbook.core.profiles import Profile


def test_env_override_and_pick(monkeypatch):
    monkeypatch.setenv("GANBOOK_PROFILE", "test")
    p = get_profile()
    assert p.name == "test" and p.is_test
    assert p.pick(test=1, cpu=2, gpu=3) == 1
    assert Profile("cpu").pick(test=1, cpu=2, gpu=3) == 2
    assert Profile("gpu").pick(test=1, cpu=2, gpu=3) == 3
    assert Profile("gpu").pick(test=1, cpu=2) == 2  # gpu defaults to the cpu value
    assert "profile: test (set by $GANBOOK_PROFILE)" in profile_summary(p)


def test_auto_detect(monkeypatch):
    monkeypatch.delenv("GANBOOK_PROFILE", raising=False)
    expected = "gpu" if torch.cuda.is_available() else "cpu"
    assert get_profile().name == expected
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_profile().name == "gpu"


def test_unknown_profile_lists_valid_ones(monkeypatch):
    monkeypatch.setenv("GANBOOK_PROFILE", "huge")
    with pytest.raises(
        ValueError, match="unknown profile 'huge'; valid profiles are: test, cpu, gpu"
    ):
        get_profile()


def test_device_and_seeding():
    assert get_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device must be one of"):
        get_device("tpu")
    seed_everything(3)
    a = torch.randn(3)
    seed_everything(3)
    assert torch.equal(a, torch.randn(3))
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)
    old = torch.get_num_threads()
    assert set_threads(1) == 1 and torch.get_num_threads() == 1
    set_threads(old)
    with pytest.raises(ValueError, match="threads"):
        set_threads(0)


def test_device_override_without_that_device_is_explained(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    monkeypatch.setenv("GANBOOK_DEVICE", "cuda")
    with pytest.raises(ValueError, match=r"GANBOOK_DEVICE='cuda' but torch sees 0 CUDA GPU"):
        get_device()
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    monkeypatch.setenv("GANBOOK_DEVICE", "cuda:1")
    with pytest.raises(ValueError, match=r"GANBOOK_DEVICE='cuda:1' but torch sees 1 CUDA GPU"):
        get_device()
    with pytest.raises(ValueError, match="device must be one of"):
        get_device("cuda:x")
    monkeypatch.setenv("GANBOOK_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")


def test_show_profile_displays_a_visible_note_with_a_text_fallback(monkeypatch):
    import IPython.display

    from ganbook import show_profile

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append(obj))
    show_profile(get_profile("cpu"))
    assert 'class="admonition note"' in shown[0]["text/html"]
    assert "<code>cpu</code> profile" in shown[0]["text/html"]
    assert shown[0]["text/plain"].startswith("ganbook profile: cpu")


def test_profiles_pick_one_thread_unless_told_otherwise(monkeypatch):
    from ganbook.core.profiles import profile_threads

    before = torch.get_num_threads()
    try:
        monkeypatch.delenv("GANBOOK_THREADS", raising=False)
        monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
        assert [profile_threads(get_profile(n)) for n in ("test", "cpu")] == [1, 1]
        assert profile_threads(get_profile("gpu")) is None  # the GPU does the work
        get_profile("cpu")
        assert torch.get_num_threads() == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "3")  # the usual variable: the user chose
        assert profile_threads(get_profile("cpu")) is None
        monkeypatch.setenv("GANBOOK_THREADS", "2")
        assert profile_threads(get_profile("cpu")) == 2
        monkeypatch.setenv("GANBOOK_THREADS", "two")
        with pytest.raises(ValueError, match="GANBOOK_THREADS must be a positive int"):
            get_profile("cpu")
    finally:
        torch.set_num_threads(before)

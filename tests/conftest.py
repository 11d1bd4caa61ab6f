import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """Unit tests use small tensors: one thread is fastest, and immune to a busy machine's
    oversubscription."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

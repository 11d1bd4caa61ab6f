"""The one recipe registry: every recipe still builds the network its shipped weights belong to."""

import pytest
import torch

from ganbook.core.profiles import get_profile
from ganbook.recipes import RECIPES, build, generator_of

SHIPPED = [name for name, recipe in RECIPES.items() if recipe.shipped is not None]


@pytest.mark.parametrize("name", SHIPPED)
def test_the_recipe_builds_the_network_of_its_shipped_weights(name):
    loop = build(name, get_profile("test"), torch.device("cpu"))
    built, shipped = generator_of(loop), RECIPES[name].shipped()
    if hasattr(shipped, "G") and not hasattr(built, "G"):  # text2image ships G with its encoder
        shipped = shipped.G
    built.load_state_dict(shipped.state_dict(), strict=True)  # same names, same shapes
    assert loop.labels == {"recipe": name, "profile": "test"}
    assert loop.run_config()["recipe"] == name


def test_register_refuses_what_is_not_a_recipe():
    from ganbook.recipes import register

    with pytest.raises(ValueError, match="recipe must be a ganbook.recipes.Recipe"):
        register({"name": "x"})


def test_the_text_recipes_reproduce_their_shipped_weights_recipe_bit_for_bit():
    """bench/text_train_weights.py retrains text_oracle_mle and text_names_lm through the
    registry; at a few steps the registry's run is the weights' documented recipe (seed 0,
    LSTM sizes, lr, batch 64 with train_mle) exactly."""
    from ganbook import seed_everything
    from ganbook.text import LSTMGenerator, OracleBenchmark, Vocab, train_mle
    from ganbook.text.data import NAMES_LEN, names_split

    def by_hand(name):
        seed_everything(0)
        if name == "oracle-mle":
            bench = OracleBenchmark()
            model = LSTMGenerator(bench.vocab_size, bench.seq_len, 32, 32)
            data, lr = bench.train, 1e-2
        else:
            train, held = names_split()
            vocab = Vocab.from_texts(train + held)
            model = LSTMGenerator(len(vocab), NAMES_LEN, 32, 64)
            data, lr = vocab.encode_batch(train, NAMES_LEN), 3e-3
        return model, train_mle(model, data, steps=4, batch_size=64, lr=lr, progress=False)

    for name in ("oracle-mle", "names-lm"):
        model, losses = by_hand(name)
        loop = build(name, get_profile("cpu"), torch.device("cpu"), seed=0)
        history = loop.fit(4, progress=False)
        theirs = generator_of(loop).state_dict()
        assert all(torch.equal(a, theirs[k]) for k, a in model.state_dict().items()), name
        assert history["loss"] == losses, name

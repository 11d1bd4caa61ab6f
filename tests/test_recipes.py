"""The one recipe registry: every recipe still builds the network its shipped weights belong to."""

import pytest
import torch

from ganbook.profiles import get_profile
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

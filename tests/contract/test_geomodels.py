"""Every registered geomodel declares itself soundly (STYLE.md rule 6)."""

import pytest

from minewatch.geomodels import registered
from minewatch.geomodels.spec import Spec

MODELS = registered()


def test_some_models_are_registered():
    assert MODELS, "no geomodel registered under minewatch.geomodels (pyproject entry points; reinstall)"


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_model_spec_is_sound(model_id):
    module = MODELS[model_id]
    spec = module.SPEC
    assert isinstance(spec, Spec) and spec.id == model_id
    assert spec.problems() == []
    assert callable(getattr(module, "compute", None)), f"{model_id} has no compute()"
    assert callable(getattr(module, "tool", None)), f"{model_id} has no tool()"

"""Run profiles read from GAN_PROFILE."""

import pytest

from gan_utils import profiles

BUDGETS = {
    "smoke": {"epochs": 1},
    "cpu": {"epochs": 10},
    "gpu": {"epochs": 100},
}


@pytest.mark.parametrize("name", profiles.PROFILES)
def test_environment_variable_selects_the_row(monkeypatch, name, capsys):
    monkeypatch.setenv("GAN_PROFILE", name.upper())
    assert profiles.current_profile() == name
    assert profiles.select_budget(BUDGETS) == (name, BUDGETS[name])
    assert capsys.readouterr().out.startswith(f"Run profile: {name} (epochs=")


def test_default_follows_gpu_presence(monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv("GAN_PROFILE", raising=False)
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: [])
    assert profiles.current_profile() == "cpu"
    monkeypatch.setattr(tf.config, "list_physical_devices", lambda kind: ["GPU:0"])
    assert profiles.current_profile() == "gpu"


def test_unknown_profile_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GAN_PROFILE", "laptop")
    with pytest.raises(ValueError, match="'laptop' is not a run profile; expected one of smoke"):
        profiles.current_profile()


def test_budget_table_must_cover_every_profile():
    with pytest.raises(ValueError, match="no row for gpu"):
        profiles.select_budget({"smoke": {}, "cpu": {}}, profile="cpu")


def test_selected_budget_is_a_copy():
    _, budget = profiles.select_budget(BUDGETS, profile="cpu", verbose=False)
    budget["epochs"] = 0
    assert BUDGETS["cpu"]["epochs"] == 10

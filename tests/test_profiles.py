"""Run profiles read from GAN_PROFILE."""

import ast
import json

import pytest
from conftest import NOTEBOOKS

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


NESTED_BUDGETS = {
    "smoke": dict(data="bundled", batch_size=8, epochs=2, steps_per_epoch=40, width=8,
                  judge_sample=500, ema=0.9, quality_bar=False,
                  schedules={"ring": dict(steps=300, batch=64)}),
    "cpu": dict(data="auto", batch_size=16, epochs=10, steps_per_epoch=400, width=16,
                judge_sample=1000, ema=0.995, quality_bar=True,
                schedules={"ring": dict(steps=4000, batch=256)}),
    "gpu": dict(data="auto", batch_size=64, epochs=50, steps_per_epoch=500, width=32,
                judge_sample=2000, ema=0.999, quality_bar=True, photos=True,
                schedules={"ring": dict(steps=25000, batch=256)}),
}


def test_dry_run_keeps_the_profile_row_and_takes_the_smoke_amounts_of_work(monkeypatch, capsys):
    monkeypatch.setenv("GAN_PROFILE", "gpu")
    monkeypatch.setenv("GAN_DRY_RUN", "1")
    profile, budget = profiles.select_budget(NESTED_BUDGETS)
    assert profile == "gpu"
    # What the gpu row builds and which branches it takes stay the gpu row's ...
    assert (budget["data"], budget["batch_size"], budget["width"], budget["photos"]) == (
        "auto", 64, 32, True)
    assert budget["schedules"]["ring"]["batch"] == 256
    # ... how much work it does is the smoke row's.
    assert (budget["epochs"], budget["judge_sample"]) == (2, 500)
    # Its step counts are cut further: a dry run checks the code, not the learning.
    assert budget["steps_per_epoch"] == budget["schedules"]["ring"]["steps"] == (
        profiles.DRY_RUN_STEPS) == 2
    assert budget["ema"] == 0.9 and budget["quality_bar"] is False
    assert "gpu, dry run" in capsys.readouterr().out
    assert NESTED_BUDGETS["gpu"]["epochs"] == 50  # the table itself is untouched


@pytest.mark.parametrize("value", ["", "0", "no"])
def test_without_the_switch_a_profile_runs_in_full(monkeypatch, value):
    monkeypatch.setenv("GAN_DRY_RUN", value)
    assert not profiles.dry_run()
    assert profiles.select_budget(NESTED_BUDGETS, profile="gpu", verbose=False)[1] == (
        NESTED_BUDGETS["gpu"])


def test_dry_runs_write_their_figures_and_samples_apart(monkeypatch, tmp_path):
    from gan_utils import paths

    monkeypatch.setenv("GAN_LESSONS_ROOT", str(tmp_path))
    monkeypatch.delenv("GAN_DRY_RUN", raising=False)
    assert paths.results_dir("gpu") == tmp_path / "results"
    monkeypatch.setenv("GAN_DRY_RUN", "1")
    assert paths.results_dir("gpu") == tmp_path / "artifacts" / "gpu_dry" / "results"
    assert paths.samples_path("01_vanilla_gan", "gpu") == (
        tmp_path / "artifacts" / "gpu_dry" / "01_vanilla_gan" / "samples.npz")
    # A lesson's models, pictures and backups too: the two suites can run side by side.
    monkeypatch.setenv("GAN_PROFILE", "gpu")
    assert paths.artifacts_dir("01_vanilla_gan") == tmp_path / "artifacts" / "gpu_dry" / (
        "01_vanilla_gan")
    monkeypatch.setenv("GAN_PROFILE", "smoke")
    assert paths.artifacts_dir("01_vanilla_gan") == tmp_path / "artifacts" / "smoke" / (
        "01_vanilla_gan")
    monkeypatch.delenv("GAN_DRY_RUN")
    assert paths.artifacts_dir("01_vanilla_gan", profile="cpu") == (
        tmp_path / "artifacts" / "01_vanilla_gan")
    # Asked for no profile in particular, lesson 07 reads a real run's samples, dry run or not.
    assert paths.samples_path("01_vanilla_gan") == (
        tmp_path / "artifacts" / "01_vanilla_gan" / "samples.npz")


def test_folder_name_keeps_letters_and_digits_only():
    from gan_utils import paths

    assert paths.folder_name("+ SN + hinge + TTUR", "seed", 0) == "sn_hinge_ttur_seed_0"
    assert paths.folder_name("R1 instead of SN") == "r1_instead_of_sn"
    assert paths.folder_name("control (λ = 0)") == "control_0"  # λ is not ASCII
    with pytest.raises(ValueError):
        paths.folder_name("+ ")


@pytest.mark.parametrize("profile, dry, quick", [("smoke", "", True), ("cpu", "", False),
                                                 ("gpu", "", False), ("gpu", "1", True),
                                                 ("cpu", "1", True)])
def test_a_quick_run_is_the_smoke_profile_or_a_dry_run(monkeypatch, profile, dry, quick):
    monkeypatch.setenv("GAN_PROFILE", profile)
    monkeypatch.setenv("GAN_DRY_RUN", dry)
    assert profiles.quick_run() is quick


def notebook_budgets(path):
    """The `BUDGETS = {...}` table of a notebook's code, evaluated (it holds literals only)."""
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code" or "BUDGETS = {" not in source:
            continue
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == [
                    "BUDGETS"]:
                return eval(compile(ast.Expression(node.value), str(path), "eval"),
                            {"__builtins__": {}, "dict": dict})
    raise AssertionError(f"{path.name} has no BUDGETS table")


def leaf_keys(row, prefix=""):
    for key, value in row.items():
        if isinstance(value, dict):
            yield from leaf_keys(value, f"{prefix}{key}.")
        else:
            yield prefix + key


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_a_dry_run_cuts_every_amount_of_work_in_each_notebooks_table(path):
    """Each key of a row either counts work (a dry run takes the smoke row's value, a step
    count at most DRY_RUN_STEPS) or is a setting of the profile (kept). A key that is neither
    would keep the gpu row's amount in a dry run: solutions 01's `readings` did, and its
    first-epoch fit got 0 steps per epoch."""
    budgets = notebook_budgets(path)
    dry = profiles.dry_run_work(budgets["gpu"], budgets["smoke"])
    for profile in profiles.PROFILES:
        for key in leaf_keys(budgets[profile]):
            name = key.split(".")[-1]
            is_work = profiles._is_work_key(name)
            assert is_work or name.endswith(profiles.SETTING_KEY_ENDINGS), (
                f"{path.name}: is {profile}'s {key!r} an amount of work or a setting? "
                "Name it with an ending of profiles.WORK_KEY_ENDINGS or SETTING_KEY_ENDINGS")
            if is_work and profile == "gpu":
                value, smoke_value = dry, budgets["smoke"]
                for part in key.split("."):
                    assert part in smoke_value, f"{path.name}: the smoke row lacks {key!r}"
                    value, smoke_value = value[part], smoke_value[part]
                if name.endswith(profiles.STEP_KEY_ENDINGS):
                    smoke_value = min(smoke_value, profiles.DRY_RUN_STEPS)
                assert value == smoke_value, (path.name, key)


def test_a_dry_run_never_adds_steps_to_the_smoke_row():
    smoke = dict(steps=1, toy_steps=300, steps_per_epoch=40, epochs=3)
    gpu = dict(steps=5000, toy_steps=1500, steps_per_epoch=500, epochs=50)
    assert profiles.dry_run_work(gpu, smoke) == dict(steps=1, toy_steps=2, steps_per_epoch=2,
                                                     epochs=3)

"""scripts/check_dry_run.py: the dry run's skipped Colab branches fail `make colab-test`."""

import json

import pytest
from conftest import import_from

from gan_utils import data

check_dry_run = import_from("scripts", "check_dry_run")
make_test_downloads = import_from("scripts", "make_test_downloads")


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch):
    monkeypatch.setattr(data, "_CACHE", {})  # no digits loaded by another test


@pytest.fixture
def stand_in_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(data, "_check_reachable", lambda: pytest.fail("probed the network"))
    make_test_downloads.write_mnist_file()


def write_lesson_11_results(folder, colour_photos):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "11_style_and_growth.json").write_text(
        json.dumps({"metrics": {"colour_photos": colour_photos}}), encoding="utf-8")


def test_the_colour_section_must_have_trained_on_cifar10(tmp_path):
    results = tmp_path / "results"
    assert "missing" in check_dry_run.colour_problems(results)[0]
    write_lesson_11_results(results, None)
    assert check_dry_run.colour_problems(results) == [
        "lesson 11's colour section used None, not cifar10"]
    write_lesson_11_results(results, "cifar10")
    assert check_dry_run.colour_problems(results) == []


def test_the_photo_cyclegan_must_have_started_and_finished(tmp_path):
    folder = tmp_path / "05_cyclegan" / "backup_photos"
    assert "never started" in check_dry_run.photo_problems(tmp_path)[0]
    (folder / "gpu_dry").mkdir(parents=True)  # a fit cut off leaves its backup
    assert "did not finish" in check_dry_run.photo_problems(tmp_path)[0]
    (folder / "gpu_dry").rmdir()  # as Keras' BackupAndRestore does when the fit ends
    assert check_dry_run.photo_problems(tmp_path) == []


def test_the_stand_in_mnist_file_must_be_there_and_load_as_full_mnist(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    # Absent: a problem, found before any download is tried (the network may well be up).
    monkeypatch.setattr(data, "_check_reachable", lambda: pytest.fail("probed the network"))
    assert "no stand-in for full MNIST" in check_dry_run.full_mnist_problems()[0]
    data.keras_mnist_file().parent.mkdir(parents=True)
    data.keras_mnist_file().write_bytes(b"not an npz")
    assert "did not load" in check_dry_run.full_mnist_problems()[0]
    make_test_downloads.write_mnist_file()
    assert check_dry_run.full_mnist_problems() == []


def test_a_subset_of_notebooks_is_checked_for_its_own_branches_only(tmp_path, stand_in_mnist):
    lesson_02 = ["notebooks/02_dcgan.ipynb"]
    assert check_dry_run.problems(tmp_path, lesson_02) == []
    assert len(check_dry_run.problems(tmp_path, [*lesson_02, "notebooks/05_cyclegan.ipynb"])) == 1
    assert len(check_dry_run.problems(tmp_path)) == 2  # every notebook: 05 and 11 both missing

"""Where a lesson writes what it produces (introduced in lesson 01).

`results/` (committed figures) and `artifacts/` (models, samples, GIFs, the judge's cache;
git-ignored) sit at the project root, found by walking up from the working directory to this
project's `pyproject.toml`. Outside a checkout (Colab after a pip install) they go under the working
directory. `GAN_LESSONS_ROOT` overrides the search.
"""

import os
import re
from pathlib import Path

__all__ = ["artifacts_dir", "folder_name", "project_root", "results_dir", "run_name",
           "samples_path"]

_PROJECT_MARKER = 'name = "gan-lessons"'


def project_root():
    """The checkout's root, or the working directory when there is none."""
    if os.environ.get("GAN_LESSONS_ROOT"):
        return Path(os.environ["GAN_LESSONS_ROOT"])
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _PROJECT_MARKER in pyproject.read_text(encoding="utf-8"):
            return folder
    return cwd


def _is_test_run(profile):
    """Smoke runs and dry runs (GAN_DRY_RUN) are the test suite's: they keep their figures and
    samples apart, so that they never overwrite a real run's."""
    from gan_utils import profiles

    return profile == "smoke" or (profile is not None and profiles.dry_run())


def run_name(profile):
    """The profile's name, with "_dry" for a dry run: cpu, gpu, smoke, cpu_dry, gpu_dry."""
    if profile == "smoke" or not _is_test_run(profile):
        return profile
    return f"{profile}_dry"


def folder_name(*words):
    """A run's name as a folder name: ("+ SN + hinge", "seed", 0) → "sn_hinge_seed_0"."""
    text = " ".join(str(word) for word in words).lower()
    name = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    if not name:
        raise ValueError(f"{words!r} holds no letter or digit to name a folder by")
    return name


def _folder(*parts):
    folder = project_root().joinpath("artifacts", *parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def results_dir(profile=None):
    """results/, where lessons write their figures; a smoke or dry run writes to
    artifacts/smoke/results/ (artifacts/gpu_dry/results/, ...) instead."""
    if _is_test_run(profile):
        return _folder(run_name(profile), "results")
    return project_root() / "results"


def artifacts_dir(lesson=None, profile=None):
    """artifacts/, or a lesson's folder in it, created on demand.

    A real run's lesson folder is artifacts/<lesson>/. A smoke or dry run (of `profile`, by
    default the current one) gets artifacts/smoke/<lesson>/ (artifacts/gpu_dry/<lesson>/, ...):
    the test suite never replaces a real run's models, pictures or backups, and its two
    suites can run side by side.
    """
    if not lesson:
        return _folder()
    from gan_utils import profiles

    profile = profile or profiles.current_profile()
    if _is_test_run(profile):
        return _folder(run_name(profile), lesson)
    return _folder(lesson)


def samples_path(lesson, profile=None):
    """artifacts/<lesson>/samples.npz, the samples a lesson leaves for lesson 07.

    Without a profile: a real run's samples, the ones lesson 07 reads in any profile. A smoke
    or dry run's samples go to its own lesson folder (`artifacts_dir`), so that running the
    test suite never replaces a real run's samples with a few hundred steps' worth.
    """
    if profile is None:
        return _folder(lesson) / "samples.npz"
    return artifacts_dir(lesson, profile) / "samples.npz"

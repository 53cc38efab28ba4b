"""After the `gpu` profile's dry run: fail if a branch a Colab GPU takes was skipped.

    KERAS_HOME=artifacts/test_keras_home python scripts/check_dry_run.py [NOTEBOOK ...]

A notebook that cannot load horse2zebra or CIFAR-10 prints a line and goes on, as it should for
a learner offline. In `make colab-test` the stand-ins (`make_test_photos.py`,
`make_test_downloads.py`) make every one of those branches available, so there a skip is a
defect that the notebooks' own cells would let pass. `make colab-test` clears the dry run's
folder first, so that what this reads was left by the run just made. Given notebooks, it
checks only theirs (and always the MNIST stand-in); given none, all of them.
"""

import json
import sys
from pathlib import Path

from gan_utils import data, paths

DRY_RUN = "gpu_dry"


def full_mnist_problems():
    """The stand-in `mnist.npz` under `KERAS_HOME` is there and loads as the full-MNIST source,
    which `data.load_mnist(source="auto")` takes whenever it loads."""
    path = data.keras_mnist_file()
    if not path.exists():  # checked first: the loader would otherwise download the real one
        return [f"no stand-in for full MNIST at {path} (is KERAS_HOME set?)"]
    try:
        data.load_mnist("train", source="keras", verbose=False)
    except Exception as error:  # what "auto" would have swallowed
        return [f"full MNIST did not load from {path}: {error}"]
    return []


def colour_problems(results_dir):
    """Lesson 11's colour section trained on CIFAR-10 (its results name the dataset)."""
    path = results_dir / "11_style_and_growth.json"
    if not path.exists():
        return [f"{path.name} is missing: lesson 11 did not finish its dry run"]
    used = json.loads(path.read_text(encoding="utf-8"))["metrics"].get("colour_photos")
    return [] if used == "cifar10" else [f"lesson 11's colour section used {used!r}, not cifar10"]


def photo_problems(artifacts_dir):
    """Lesson 05's photo CycleGAN trained to its end. Its `ResumeAfterRestart` keeps the backup
    in backup_photos/gpu_dry/: the folder backup_photos/ appears when the fit starts, and
    Keras deletes gpu_dry/ in it when the fit ends."""
    folder = artifacts_dir / "05_cyclegan" / "backup_photos"
    if not folder.is_dir():
        return ["lesson 05's photo CycleGAN never started (horse2zebra skipped)"]
    if (folder / DRY_RUN).exists():
        return ["lesson 05's photo CycleGAN did not finish (its backup is still there)"]
    return []


def problems(artifacts_dir, notebooks=()):
    """Every problem found; `notebooks` (paths or names) limits the checks to theirs."""
    ran = {Path(notebook).stem for notebook in notebooks}
    found = full_mnist_problems()
    if not ran or "11_style_and_growth" in ran:
        found += colour_problems(artifacts_dir / "results")
    if not ran or "05_cyclegan" in ran:
        found += photo_problems(artifacts_dir)
    return found


def main(notebooks):
    found = problems(paths.project_root() / "artifacts" / DRY_RUN, notebooks)
    for problem in found:
        print(f"dry run: {problem}", file=sys.stderr)
    if not found:
        print("dry run: no Colab branch was skipped (full MNIST from the stand-in, and lesson "
              "05's photos and lesson 11's colour section where they ran)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

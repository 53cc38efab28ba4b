"""Set-up shared by the tests.

* The CPU split into two logical devices, which `test_distribute.py` mirrors models over.
  TensorFlow fixes its devices the first time it uses them, so the split happens here, before
  any test runs; the other tests use the first device, as they would without it.
* `import_from`: imports a module of the project's scripts/ or benchmarks/ folder.
"""

import importlib.util
import sys
from pathlib import Path

from gan_utils import scaling

LOGICAL_CPUS = scaling.split_cpu(2)
ROOT = Path(__file__).resolve().parent.parent
# Every committed notebook: the lessons, then the worked solutions.
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "solutions").glob("*.ipynb"))


def import_from(folder, name):
    """scripts/<name>.py or benchmarks/<name>.py as a module; its folder goes on sys.path."""
    path = ROOT / folder
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))  # so that it can import its neighbours
    spec = importlib.util.spec_from_file_location(name, path / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

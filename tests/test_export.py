"""scripts/export_lessons.py: the notebooks' `# @save` cells become gan_utils/lessons/ modules."""

import importlib.util
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT, import_from
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

export_lessons = import_from("scripts", "export_lessons")

HEADER = '''"""Reusable code of Lesson 99 — Shapes.

Exported from the `# @save` cells of notebooks/99_shapes.ipynb by scripts/export_lessons.py.
Do not edit: change the notebook's `# @save` cells and run `make export`.
"""'''


def write_notebook(project, *code, name="99_shapes"):
    """project/notebooks/<name>.ipynb: a title cell, then one code cell per string."""
    notebooks = project / "notebooks"
    notebooks.mkdir(exist_ok=True)
    cells = [new_markdown_cell("# Lesson 99 — Shapes\n\nSquares and circles.")]
    nbformat.write(new_notebook(cells=cells + [new_code_cell(c) for c in code]),
                   notebooks / f"{name}.ipynb")
    return notebooks


def exported(project, *code):
    """The text of the one module that the code cells export."""
    modules = export_lessons.exported_modules(write_notebook(project, *code))
    assert list(modules) == [project / "gan_utils" / "lessons" / "shapes.py"]
    return modules[project / "gan_utils" / "lessons" / "shapes.py"]


def test_marked_cell_follows_the_imports_it_needs_and_only_those(tmp_path):
    text = exported(
        tmp_path,
        'import sys\n\nif "google.colab" in sys.modules:\n    %pip install gan-lessons',
        "import numpy as np\nfrom functools import partial, reduce\n\nfrom gan_utils import paths",
        "# @save\ndef total(values):\n    return reduce(np.add, values, ZERO)\n\n\nZERO = 0.0",
        "import math\nfrom collections import Counter, OrderedDict",  # later cells count too
        "# @save\ndef area(radius):\n    return math.pi * radius**2\n\n\nBAG = Counter",
    )
    # sys, partial, paths and OrderedDict are unused; ruff's isort order, sections apart.
    assert text == HEADER + """

import math
from collections import Counter
from functools import reduce

import numpy as np


def total(values):
    return reduce(np.add, values, ZERO)


ZERO = 0.0


def area(radius):
    return math.pi * radius**2


BAG = Counter
"""


def test_only_cells_whose_first_line_is_the_marker_are_exported(tmp_path):
    text = exported(
        tmp_path,
        "# @save   \nMARKED = 1",  # trailing spaces are fine
        "UNMARKED = 2",
        "# a comment first\n# @save\nNOT_FIRST_LINE = 3",
        "#@save\nOTHER_FORM = 4",
        "# @save: shapes\nOTHER_FORM_TOO = 5",
    )
    assert "MARKED = 1" in text
    for name in ("UNMARKED", "NOT_FIRST_LINE", "OTHER_FORM"):
        assert name not in text
    # A notebook without marked cells gets no module; a marker in markdown is no marker.
    notebooks = write_notebook(tmp_path, "X = 1", name="98_plain")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# @save\nX = 1")]),
                   notebooks / "97_prose.ipynb")
    assert [path.name for path in export_lessons.exported_modules(notebooks)] == ["shapes.py"]


def test_code_reading_a_notebook_global_is_refused_naming_it(tmp_path):
    cells = (
        "NUM_CLASSES = 10",
        # Parameters, locals and builtins (range, int) are no globals; NUM_CLASSES is one.
        "# @save\ndef one_hot(label, size=None):\n    width = size or NUM_CLASSES\n"
        "    return [int(i == label) for i in range(width)]",
    )
    with pytest.raises(export_lessons.ExportError,
                       match=r"^cell 3 of 99_shapes.ipynb reads NUM_CLASSES, which no @save cell"
                             r" or import defines: pass it as an argument or mark the cell"):
        exported(tmp_path, *cells)
    # Marking the cell that defines it is one way out.
    assert "NUM_CLASSES = 10" in exported(tmp_path, "# @save\n" + cells[0], cells[1])


@pytest.mark.parametrize("statement, shown", [
    ("generator = build()", "generator = build()"),
    ('print("built")', 'print("built")'),
    ("for size in (1, 2):\n    build()", "for size in (1, 2):"),
    ("root_two = math.sqrt(2)", "root_two = math.sqrt(2)"),  # (ROOT_TWO, a constant, may)
    ("math.tau = 6", "math.tau = 6"),  # an imported module's attribute (own names' are fine)
])
def test_code_that_would_run_on_import_is_refused_naming_its_line(tmp_path, statement, shown):
    cell = f"# @save\nimport math\n\n\ndef build():\n    return [math.pi]\n\n\n{statement}"
    with pytest.raises(export_lessons.ExportError) as error:
        exported(tmp_path, cell)
    assert str(error.value) == (
        f"cell 2 of 99_shapes.ipynb, line 9: `{shown}` would run when the module is imported"
        " (a @save cell holds only imports, definitions and constants, named in UPPER_CASE):"
        " move it to the next cell")


def test_magic_in_a_marked_cell_is_refused(tmp_path):
    with pytest.raises(export_lessons.ExportError, match="cell 2 of 99_shapes.ipynb holds an"
                                                         " IPython magic"):
        exported(tmp_path, "# @save\n%load_ext autoreload\nX = 1")


SHAPES = (
    "import math\nfrom dataclasses import dataclass, field",
    '# @save\n"""Squares, whose area a later lesson reuses."""\nPOWER = 2\n\n\n'
    "@dataclass\nclass Square:\n    side: float\n\n\n"
    "def square_area(self):\n    return self.side**POWER\n\n\nSquare.area = square_area\n"
    'SIZES = {"small": dict(side=1), "large": tuple(range(3))}',  # a constant may call
    "# @save\ndef circle_area(radius):\n    return math.pi * radius**POWER",
    "print(Square(2).area(), circle_area(1))",
)


def test_generated_module_defines_what_the_cells_defined(tmp_path):
    path = tmp_path / "shapes_lesson.py"
    path.write_text(exported(tmp_path, *SHAPES), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("shapes_lesson", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.Square(3).area() == 9 and module.POWER == 2
    assert module.SIZES == {"small": {"side": 1}, "large": (0, 1, 2)}
    assert module.circle_area(1) == pytest.approx(3.14159, rel=1e-5)
    assert not hasattr(module, "field")  # imported by the notebook, unused by the cells


# A marked cell's own import stays in its place, below other code.
OWN_IMPORT = "# @save\nimport statistics\n\n\ndef middle(xs):\n    return statistics.median(xs)"


@pytest.mark.parametrize("cells", [
    SHAPES,  # the code starts with a docstring: one blank line after the imports
    (SHAPES[0], "# @save\n" + SHAPES[2].partition("\n")[2].replace("POWER", "2")),  # a def: two
    (SHAPES[0], "# @save\nTAU = 2 * math.pi"),
    (*SHAPES, OWN_IMPORT),
], ids=["docstring first", "def first", "constant first", "own import"])
def test_generated_module_passes_the_projects_ruff_check(tmp_path, cells):
    path = tmp_path / "shapes_lesson.py"
    path.write_text(exported(tmp_path, *cells), encoding="utf-8")
    # From the project root, as `make lint` runs it, with the project's rules.
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--config",
                             str(ROOT / "pyproject.toml"), str(path)],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout


def test_check_fails_on_a_stale_module_and_passes_once_exported(tmp_path, capsys):
    notebooks = write_notebook(tmp_path, *SHAPES)
    module = tmp_path / "gan_utils" / "lessons" / "shapes.py"
    assert export_lessons.check(notebooks) == 1  # not exported yet
    assert export_lessons.export(notebooks) == [module]
    (module.parent / "__init__.py").write_text('"""Lessons."""\n')
    assert export_lessons.check(notebooks) == 0 and export_lessons.export(notebooks) == []

    write_notebook(tmp_path, *SHAPES[:2], "# @save\nPOWER = 3")  # the notebook changed
    capsys.readouterr()
    assert export_lessons.check(notebooks) == 1
    assert capsys.readouterr().out == (
        "out of date: gan_utils/lessons/shapes.py\n"
        "gan_utils/lessons/ differs from the notebooks' # @save cells: run `make export`\n")
    export_lessons.export(notebooks)
    assert "POWER = 3" in module.read_text() and export_lessons.check(notebooks) == 0

    write_notebook(tmp_path, "POWER = 2")  # no marked cell left: the module is stale
    assert export_lessons.check(notebooks) == 1
    export_lessons.export(notebooks)
    assert not module.exists() and (module.parent / "__init__.py").exists()
    assert export_lessons.check(notebooks) == 0


def test_lesson_modules_match_the_notebooks():
    """The real notebooks against the committed gan_utils/lessons/, byte for byte."""
    expected = {path: text.encode("utf-8")
                for path, text in export_lessons.exported_modules(ROOT / "notebooks").items()}
    folder = ROOT / "gan_utils" / "lessons"
    actual = {path: path.read_bytes() for path in folder.glob("*.py") if path.name != "__init__.py"}
    differ = sorted(path.name for path in expected.keys() | actual.keys()
                    if expected.get(path) != actual.get(path))
    assert not differ, (f"gan_utils/lessons/ {', '.join(differ)} differ from the notebooks'"
                        " # @save cells: run `make export`")

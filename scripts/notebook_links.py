"""The repository's address, kept in one place, and every notebook link that is built from it.

    python scripts/notebook_links.py     # rewrite each notebook's Colab badge and install line

The address is `[project.urls] Repository` in pyproject.toml. From it come the Colab badge in
each notebook's first cell (and in the README's table, `results_table.py`), the line of the
install cell that Colab runs: `%pip install "gan-lessons @ git+<repository>"`, and the line
that ends a lesson's exercises with a badge of its worked solutions (solutions/).
"""

import re
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"
BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)")
INSTALL = re.compile(r'%pip install --quiet "gan-lessons @ git\+[^"]*"')
SOLUTIONS_LINE = re.compile(r"^Try each exercise first; then open the worked solutions, .*$", re.M)


def repository_url(pyproject=None):
    """https://github.com/<owner>/<name>, from pyproject.toml's [project.urls] Repository."""
    data = tomllib.loads((pyproject or ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["urls"]["Repository"].rstrip("/")


def colab_badge(notebook, repository=None):
    """The Colab badge of `notebook` (a path relative to the repository root)."""
    slug = (repository or repository_url()).removeprefix("https://github.com/")
    url = f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/{notebook}"
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})"


def solutions_name(lesson):
    """NN_<lesson>_solutions.ipynb, the file in solutions/ for notebooks/NN_<lesson>.ipynb."""
    return f"{Path(lesson).stem}_solutions.ipynb"


def solutions_link(lesson, repository=None):
    """The line that ends a lesson's exercises: its worked solutions, with a Colab badge.

    `lesson` is the lesson's path relative to the repository root (notebooks/NN_name.ipynb).
    """
    name = solutions_name(lesson)
    return (f"Try each exercise first; then open the worked solutions, "
            f"[solutions/{name}](../solutions/{name}) "
            f"{colab_badge(f'solutions/{name}', repository)}")


def install_line(repository=None):
    return f'%pip install --quiet "gan-lessons @ git+{repository or repository_url()}"'


def linked(notebook, relative, repository=None):
    """The notebook with its badge and install line rewritten; raises if either is missing."""
    header, install = notebook.cells[0], None
    for cell in notebook.cells:
        if cell.cell_type == "code" and INSTALL.search(cell.source):
            install = cell
            break
    if not BADGE.search(header.source) or install is None:
        raise ValueError(f"{relative}: expected a Colab badge in its first cell and an install "
                         "cell with %pip install \"gan-lessons @ git+...\"")
    header.source = BADGE.sub(lambda _: colab_badge(relative, repository), header.source)
    install.source = INSTALL.sub(lambda _: install_line(repository), install.source)
    for cell in notebook.cells[1:]:  # a lesson's link to its solutions carries a badge too
        if cell.cell_type == "markdown":
            cell.source = SOLUTIONS_LINE.sub(lambda _: solutions_link(relative, repository),
                                             cell.source)
    return notebook


def update(notebooks=None):
    every = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
        (ROOT / "solutions").glob("*.ipynb"))
    for path in notebooks or every:
        notebook = nbformat.read(path, as_version=4)
        before = [cell.source for cell in notebook.cells]
        linked(notebook, path.relative_to(ROOT).as_posix())
        if [cell.source for cell in notebook.cells] != before:
            nbformat.write(notebook, path)
            print(f"updated {path.relative_to(ROOT)}")


if __name__ == "__main__":
    update()

"""Write SYLLABUS.md from the notebooks and results/, so that it cannot drift from them.

    python scripts/syllabus.py            # rewrite SYLLABUS.md
    python scripts/syllabus.py --check    # exit 1 if SYLLABUS.md is not current

Per lesson it takes, from the notebook: the title, the first sentence of the introduction,
the "You will learn" list, the exercises' titles, and the earlier lessons whose exported code
it imports from `gan_utils.lessons` (the prerequisites a reader cannot skip); from
results/<lesson>.json: the measured `cpu` run time and steps per second. The six-week plan's
table is built from the same lessons; its prose and the workshop plan are written here.
"""

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat
from results_table import notebook_title

ROOT = Path(__file__).resolve().parent.parent
SYLLABUS = ROOT / "SYLLABUS.md"
LESSON_IMPORT = re.compile(r"gan_utils\.lessons(?:\.(\w+)| import ([\w, ]+))")
EXERCISE = re.compile(r"^\d+\. \*\*(.+?)\*\*", re.M)

COURSE_INTRO = """## A six-week course

Two lessons a week, each in a 90-minute session: read the notebook together in the `smoke`
profile (about a minute to run), then run it in `cpu` while discussing its figures. Set each
lesson's first exercise as homework (the others suit a second pass); the last week is for a
project: one lesson's `gpu` profile in Colab, or an exercise carried further.
"""

WORKSHOP = """## A one-day workshop

Morning: lessons 01 and 02 (the game, then convolutions); afternoon: 03 and 06 (labels, then
mode collapse, whose 2-D benchmarks are quick to read). In a room of laptops without internet,
each laptop needs only this repository and `make setup` done beforehand (PyPI at setup time;
the bundled digits make every lesson run offline after that). Run the lessons in `smoke`
during the talk and leave one `cpu` run going during each break.
"""


def markdown_cells(notebook):
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def code_cells(notebook):
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def first_sentence(notebook):
    """The first sentence of the introduction (the paragraph after the Colab badge)."""
    paragraphs = [p for p in markdown_cells(notebook)[0].split("\n\n")[1:] if p.strip()]
    intro = " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else ""
    # A sentence ends at . ! or ? before a capital letter (not at "et al." before a year).
    match = re.match(r"(.+?(?<!et al)[.!?])(?:\s+[A-Z*(]|$)", intro)
    return match.group(1) if match else intro


def learning_objectives(notebook):
    header = markdown_cells(notebook)[0]
    block = header.split("**You will learn**", 1)[1].split("\n\n", 1)[0]
    items = re.split(r"\n- ", "\n" + block.strip())
    return [" ".join(item.split()) for item in items if item.strip()]


def exercises(notebook):
    for source in markdown_cells(notebook):
        if "## Exercises" in source:
            return [name.rstrip(".") for name in EXERCISE.findall(source.split("## Exercises")[1])]
    return []


def prerequisites(notebook, modules):
    """Earlier lessons whose exported modules this notebook imports."""
    used = set()
    for source in code_cells(notebook):
        for module, names in LESSON_IMPORT.findall(source):
            used.update([module] if module else [n.strip() for n in names.split(",")])
    return sorted(modules[name] for name in used if name in modules)


def run_time(stem):
    path = ROOT / "results" / f"{stem}.json"
    if not path.exists():
        return "not measured yet"
    result = json.loads(path.read_text(encoding="utf-8"))
    if result["profile"] != "cpu":
        return "not measured yet"
    steps = result["steps_per_second"]
    speed = f", {steps:.1f} training steps/s" if steps else " (no training)"
    return f"{result['wall_seconds'] / 60:.1f} min{speed}"


def course_weeks(lessons):
    """Two lessons a week, then a project week; homework: each lesson's first exercise."""
    rows = ["| week | lessons | homework |", "|---|---|---|"]
    for week, start in enumerate(range(0, len(lessons), 2), start=1):
        pair = lessons[start:start + 2]
        homework = "; ".join(f"{number}: {names[0]}" for number, names in pair if names)
        rows.append(f"| {week} | {', '.join(number for number, _ in pair)} | {homework} |")
    rows.append(f"| {len(rows) - 1} | project | see above |")
    return "\n".join(rows) + "\n"


def solutions_path(lesson_path):
    """solutions/NN_<lesson>_solutions.ipynb for notebooks/NN_<lesson>.ipynb."""
    return ROOT / "solutions" / f"{lesson_path.stem}_solutions.ipynb"


def solutions_link(lesson_path):
    solutions = solutions_path(lesson_path)
    if not solutions.exists():
        return "not written yet"
    return f"[{solutions.name}](solutions/{solutions.name})"


def build():
    paths = sorted((ROOT / "notebooks").glob("*.ipynb"))
    modules = {path.stem.split("_", 1)[1]: path.stem[:2] for path in paths}  # dcgan → 02
    lines = [
        "# Syllabus",
        "",
        "Generated by `scripts/syllabus.py` from the notebooks and `results/`; do not edit by",
        "hand. Run times are the committed `cpu` runs on 2 CPU cores (the README says which",
        "machines); scale by your machine's steps per second.",
        "",
        "The course assumes Python and NumPy, and the basics of neural networks (a dense and a",
        "convolutional layer, a loss, gradient descent); Keras is introduced as it is used.",
        "",
    ]
    weeks = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        needs = prerequisites(notebook, modules)
        titles = exercises(notebook)
        weeks.append((path.stem[:2], titles))
        lines += [
            f"## [{notebook_title(path)}](notebooks/{path.name})",
            "",
            first_sentence(notebook),
            "",
            f"- **Imports code of:** {', '.join(f'lesson {n}' for n in needs) or 'no lesson'}",
            f"- **`cpu` run:** {run_time(path.stem)}",
            "- **You will learn:**",
            *[f"  - {objective}" for objective in learning_objectives(notebook)],
            f"- **Exercises:** {'; '.join(titles) or 'none'}",
            f"- **Worked solutions:** {solutions_link(path)}",
            "",
        ]
    return "\n".join(lines) + "\n" + COURSE_INTRO + "\n" + course_weeks(weeks) + "\n" + WORKSHOP


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if SYLLABUS.md is stale")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        current = SYLLABUS.read_text(encoding="utf-8") if SYLLABUS.exists() else ""
        if current != text:
            print("SYLLABUS.md is not current: run python scripts/syllabus.py")
            return 1
        return 0
    SYLLABUS.write_text(text, encoding="utf-8")
    print(f"wrote {SYLLABUS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

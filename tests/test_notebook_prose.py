"""Prose never types a figure that the run computes: a measured number in a notebook's markdown
must be one its own outputs, its code or its results/ file contain.

Figures quoted from papers or from experiments outside the notebook are exempt where their
sentence says where they come from (a citation, a table or figure of a paper, "our trials"),
and so is a table after a paragraph that does.
Numbers inside LaTeX ($...$) are formulas and constants, not measurements.
"""

import json
import re

import nbformat
import pytest
from conftest import NOTEBOOKS, ROOT

# A figure: a decimal number or a percentage (integers are counts, settings and years).
FIGURE = re.compile(r"(?<![\w.])(\d+\.\d+)(?![\w.])|(?<![\w.])(\d+(?:\.\d+)?) ?%")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)
VERSION = re.compile(r"(?:Keras|TensorFlow|Python|TF)\s*(?:≥|>=|<=|<|>)?\s*\d+(?:\.\d+)+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(])")
# A sentence that names its source is quoting, not measuring in this run.
QUOTED = re.compile(
    r"et al\.|\b(?:19|20)\d\d\b|\bTable \d|\bFigure \d|\bpublished\b|\bpaper|"
    r"\bour (?:trials|runs|measurements|experiment)|outside this notebook|earlier run|"
    r"\bhistorical|guideline",
    re.I,
)


def known_text(path, notebook):
    """Everything a figure may legitimately come from: outputs, code, the results file, and
    the settings in gan_utils' own code (the judge's blur, say)."""
    parts = [module.read_text(encoding="utf-8") for module in (ROOT / "gan_utils").glob("*.py")]
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    results = ROOT / "results" / f"{path.stem}.json"
    if results.exists():
        parts.append(json.dumps(json.loads(results.read_text(encoding="utf-8"))))
    return "\n".join(parts)


def unsourced_figures(path):
    notebook = nbformat.read(path, as_version=4)
    known = known_text(path, notebook)
    found = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown" or index == 0:  # cell 0's run time is generated
            continue
        quoting = False  # whether the last paragraph quoted a source (for a table after it)
        for paragraph in re.split(r"\n\s*\n", cell.source):
            if paragraph.startswith("|"):  # a table belongs to the paragraph introducing it
                sentences = [] if quoting else [paragraph]
            else:
                sentences = SENTENCE_END.split(paragraph)
                quoting = any(QUOTED.search(sentence) for sentence in sentences)
                sentences = [sentence for sentence in sentences if not QUOTED.search(sentence)]
            for sentence in sentences:
                for match in FIGURE.finditer(VERSION.sub(" ", MATH.sub(" ", sentence))):
                    figure = match.group(1) or match.group(2)
                    if figure not in known:
                        found.append(f"cell {index}: {match.group(0)!r} in {sentence[:70]!r}...")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_markdown_quotes_no_figure_the_run_does_not_show(path):
    found = unsourced_figures(path)
    assert not found, (f"{path.name}: markdown types figures that no output, code or results "
                       "file holds (print them from code, or cite their source):\n"
                       + "\n".join(found))


def test_the_scan_catches_a_typed_figure_and_spares_quoted_ones(tmp_path, monkeypatch):
    monkeypatch.setattr("test_notebook_prose.ROOT", tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "99_x.json").write_text(json.dumps({"metrics": {"fd": 0.118}}))
    cells = [
        nbformat.v4.new_markdown_cell("# Lesson 99\n\nRun time 7.8 minutes (generated)."),
        nbformat.v4.new_markdown_cell("Our judge ratio is 0.145, and 97 % of labels stay. Lucic "
                                      "et al. (2018) report 6.8 for theirs."),
        nbformat.v4.new_markdown_cell("The ratio is 0.118 and the cell printed 42.5 %."),
        nbformat.v4.new_markdown_cell("Lucic et al. (2018) report an FID of 6.8."),
        nbformat.v4.new_markdown_cell("Keeps $98.9\\,\\%$ within $3\\sigma$ (Keras ≥ 3.8)."),
        nbformat.v4.new_markdown_cell("In our trials:\n\n| a | b |\n|---|---|\n| 0.31 | 0.77 |"),
        nbformat.v4.new_code_cell("print('42.5 %')", outputs=[
            nbformat.v4.new_output("stream", text="held 42.5 %\n")]),
    ]
    path = tmp_path / "99_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    found = unsourced_figures(path)
    assert [line.split(":")[0] for line in found] == ["cell 1", "cell 1"]  # not 6.8
    assert "0.145" in found[0] and "97 %" in found[1]

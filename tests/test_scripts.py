"""The lesson runner's output tidying, the README table builder and the notebooks' links."""

import json
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import import_from

run_lessons = import_from("scripts", "run_lessons")
results_table = import_from("scripts", "results_table")


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_progress_updates_collapse_to_what_a_terminal_shows():
    cell = nbformat.v4.new_code_cell("fit()")
    cell.outputs = [
        stream("Epoch 1/2\n"),
        stream("\r 1/3 loss: 0.9"),
        stream("\r 3/3 loss: 0.5\n"),
        stream("warning\n", name="stderr"),
        stream("Epoch 2/2\n"),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell])
    run_lessons.tidy_progress_output(notebook)
    assert [(o["name"], o["text"]) for o in cell.outputs] == [
        ("stdout", "Epoch 1/2\n 3/3 loss: 0.5\n"),
        ("stderr", "warning\n"),
        ("stdout", "Epoch 2/2\n"),
    ]


def test_a_committed_run_starts_from_the_top(tmp_path, monkeypatch):
    # Another profile's backup stays; this profile's, left by an interrupted run, goes.
    monkeypatch.setenv("GAN_LESSONS_ROOT", str(tmp_path))
    lesson = tmp_path / "artifacts" / "04_wgan"
    for backup in ("backup_WGAN/cpu", "backup_WGANGP/cpu", "backup_WGAN/smoke"):
        (lesson / backup).mkdir(parents=True)
    run_lessons.discard_backups(Path("notebooks/04_wgan.ipynb"), "cpu")
    assert sorted(str(p.relative_to(lesson)) for p in lesson.glob("backup*/*")) == [
        "backup_WGAN/smoke"]


def test_readme_table_is_built_from_results(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "results").mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Lesson 99 — Test")])
    nbformat.write(notebook, tmp_path / "notebooks" / "99_test.ipynb")
    result = {
        "profile": "cpu", "wall_seconds": 90.0, "train_steps": 1000, "steps_per_second": 12.5,
        "metrics": {"judge_fd": 20.0, "judge_fd_real": 3.0, "judge_fd_blurred": 160.0,
                    "fd_ratio_to_blurred": 0.125, "classes_covered": 10},
    }
    (tmp_path / "results" / "99_test.json").write_text(json.dumps(result))
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{results_table.START}\nold\n{results_table.END}\nrest\n")
    monkeypatch.setattr(results_table, "ROOT", tmp_path)

    results_table.update_readme(readme)
    text = readme.read_text()
    row = text.splitlines()[4]
    assert text.startswith("intro\n") and text.endswith("rest\n") and "old" not in text
    assert "[Lesson 99 — Test](notebooks/99_test.ipynb)" in row
    assert "cpu: 1.5 min; gpu: not measured yet" in row
    assert "1,000 steps at 12.5 steps/s" in row
    assert "judge FD 20.0 = 0.125 × blurred" in row and "10/10 classes" in row

    result.update(train_steps=0, steps_per_second=0.0)  # a lesson that only evaluates samples
    (tmp_path / "results" / "99_test.json").write_text(json.dumps(result))
    results_table.update_readme(readme)
    assert "no training (evaluates saved samples)" in readme.read_text().splitlines()[4]


def test_quality_names_conditional_figures_when_present():
    metrics = {"conditional_accuracy": 0.9612, "cas": 0.9312, "cas_real": 0.986}
    assert results_table.quality(metrics) == (
        "conditional accuracy 96.1%; CAS 93.1% (real-trained 98.6%)"
    )
    assert results_table.quality({}) == "–"


def test_quality_names_translation_figures_when_present():
    translation = {"label_preservation_ab": 0.9712, "baseline_ab": 0.2213,
                   "label_preservation_ba": 0.9531, "baseline_ba": 0.1507, "cycle_l1": 0.0312}
    assert results_table.quality(translation) == (
        "labels kept A→B 97.1% (untranslated 22.1%), B→A 95.3% (untranslated 15.1%);"
        " cycle L1 0.031"
    )


def test_quality_gives_one_line_per_model_when_a_lesson_compares_several():
    figures = {"judge_fd": 20.0, "fd_ratio_to_blurred": 0.125, "judge_fd_real": 3.0,
               "judge_fd_blurred": 160.0, "classes_covered": 10}
    metrics = {"wgan_gp": figures, "new_model": {"classes_covered": 7}}
    assert results_table.quality(metrics) == (
        "WGAN-GP: judge FD 20.0 = 0.125 × blurred (real digits 3.0, blurred 160.0);"
        " 10/10 classes<br>new model: 7/10 classes"
    )
    evaluated = {"02_dcgan": {"judge_fd": 15.61, "classes_covered": 10, "precision": 0.71,
                              "recall": 0.66}}
    assert results_table.quality(evaluated) == (
        "02 dcgan: judge FD 15.6; 10/10 classes; precision 0.71, recall 0.66"
    )
    mixture = {"ring_gan": {"modes": 7.25, "hq_percent": 93.12, "reverse_kl": 0.0412}}
    assert results_table.quality(mixture) == (
        "ring gan: 7.2 modes, 93.1 % high quality, reverse KL 0.04"
    )
    limited = {"limited_diffaugment": {"classes_covered": 9}, "limited_fd_reduction": -0.5}
    assert results_table.quality(limited) == (
        "limited DiffAugment: 9/10 classes<br>DiffAugment changes the mean judge FD at 500"
        " digits by +50.0%"
    )
    truncated = {"stylegan2": {"classes_covered": 10}, "truncation_psi": [0.0, 1.0],
                 "truncation_rho_precision": -0.9, "truncation_rho_recall": 0.95}
    assert results_table.quality(truncated) == (
        "StyleGAN2: 10/10 classes<br>truncation ψ from 0 to 1: rank correlation with precision"
        " -0.90, with recall +0.95"
    )
    coded = {"infogan_seed_0": {"code_accuracy": 0.55, "q_accuracy_held_out": 0.438,
                                "rho_c2_slant": -0.71, "rho_c3_slant": 0.2}}
    assert results_table.quality(coded) == (
        "InfoGAN seed 0: code c1 → class, matched accuracy 55.0%; Q on held-out digits 43.8%;"
        " strongest rank correlation with slant or width ±0.71"
    )


def test_readme_without_markers_is_a_clear_error(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no table here\n")
    with pytest.raises(ValueError, match="no <!-- lessons:start -->"):
        results_table.update_readme(readme)


def test_readme_throughput_table_is_built_from_the_benchmark(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "results").mkdir()
    readme = tmp_path / "README.md"
    readme.write_text(f"{results_table.START}\n{results_table.END}\n"
                      f"{results_table.THROUGHPUT_START}\nold\n{results_table.THROUGHPUT_END}\n")
    monkeypatch.setattr(results_table, "ROOT", tmp_path)
    results_table.update_readme(readme)
    assert "Not measured yet: run `make benchmark`." in readme.read_text()

    def variant(steps_per_second, share):
        return {"steps_per_second": steps_per_second, "images_per_second": steps_per_second * 64,
                "fraction_of_peak": share}

    summary = {
        "machine": {"cpu_cores": 2, "gpus": []},
        "versions": {"tensorflow": "2.21.0", "keras": "3.15.1"},
        "settings": {"steps": 100, "rounds": 3},
        "peak_matmul_gflops": 150.0,
        "lessons": {"02_dcgan": {
            "images_per_step": 64,
            "variants": {"ours": variant(20.0, 0.2), "ours_xla": variant(25.0, 0.25),
                         "keras_io": variant(22.0, 0.22)},
            "ratio_to_keras_io": {"ours": 0.909, "ours_xla": 1.136},
            "note": "ours calls D twice",
        }},
    }
    (tmp_path / "results" / "throughput.json").write_text(json.dumps(summary))
    results_table.update_readme(readme)
    lines = readme.read_text().splitlines()
    assert "old" not in lines and "2 CPU cores, no GPU" in lines[5] and "150.0 GFLOP/s" in lines[5]
    assert lines[9] == ("| 02_dcgan | 64 | 20.0 (1,280) | 25.0 (1,600) | 22.0 (1,408) | 0.91"
                        " | 1.14 | 20.0% / 25.0% / 22.0% |")
    assert lines[11].endswith("02_dcgan: ours calls D twice.")


def test_notebook_run_time_paragraph_is_written_from_results(tmp_path, monkeypatch):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "results").mkdir()
    header = ("# Lesson 99 — Test\n\nintro\n\n**Run time** (whole notebook): `cpu` 7.7 minutes,\n"
              "typed by hand.\n\nThe rest.")
    path = tmp_path / "notebooks" / "99_test.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(header)]), path)
    monkeypatch.setattr(results_table, "ROOT", tmp_path)
    result = {"profile": "cpu", "wall_seconds": 450.0, "train_steps": 1000,
              "steps_per_second": 21.34, "metrics": {}}
    (tmp_path / "results" / "99_test.json").write_text(json.dumps(result))
    results_table.update_notebook_headers()
    text = nbformat.read(path, as_version=4).cells[0].source
    assert "typed by hand" not in text and text.endswith("\n\nThe rest.")
    flat = " ".join(text.split())
    assert ("**Run time** (whole notebook): `cpu` 7.5 minutes measured (21.3 training steps per "
            "second) on 2 CPU cores, the run committed here;") in flat
    assert "`gpu` not measured yet" in flat


def test_committed_notebooks_state_the_run_time_of_their_committed_results():
    for path in sorted((results_table.ROOT / "notebooks").glob("*.ipynb")):
        header = nbformat.read(path, as_version=4).cells[0].source
        assert results_table.run_time_paragraph(path.stem) in header, (
            f"{path.name}: its Run time paragraph is stale; run scripts/results_table.py")


notebook_links = import_from("scripts", "notebook_links")


def test_every_notebook_links_to_the_repository_named_in_pyproject():
    repository = notebook_links.repository_url()
    assert repository.startswith("https://github.com/")
    root = results_table.ROOT
    for path in sorted(root.glob("notebooks/*.ipynb")) + sorted(root.glob("solutions/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        relative = path.relative_to(results_table.ROOT).as_posix()
        before = [cell.source for cell in notebook.cells]
        after = [cell.source for cell in notebook_links.linked(notebook, relative).cells]
        assert before == after, f"{path.name}: run scripts/notebook_links.py"
        assert notebook_links.install_line() in "\n".join(before)


def test_each_solutions_notebook_belongs_to_a_lesson_that_links_to_it():
    root = results_table.ROOT
    for solutions in sorted(root.glob("solutions/*_solutions.ipynb")):
        lesson = root / "notebooks" / solutions.name.replace("_solutions", "")
        assert lesson.exists(), f"{solutions.name} names no lesson"
        exercises = next(cell.source for cell in nbformat.read(lesson, as_version=4).cells
                         if cell.cell_type == "markdown" and "## Exercises" in cell.source)
        link = notebook_links.solutions_link(lesson.relative_to(root).as_posix())
        assert link in exercises, f"{lesson.name}: its exercises do not end with {link!r}"
        assert f"(../solutions/{solutions.name})" in link and "colab-badge" in link


def test_each_solutions_notebook_names_its_lesson_by_the_lessons_title():
    root = results_table.ROOT
    every_solutions = sorted(root.glob("solutions/*_solutions.ipynb"))
    assert every_solutions
    for solutions in every_solutions:
        lesson = root / "notebooks" / solutions.name.replace("_solutions", "")
        title = nbformat.read(lesson, as_version=4).cells[0].source.splitlines()[0]
        introduction = nbformat.read(solutions, as_version=4).cells[0].source
        link = f"[{title.removeprefix('# ')}](../notebooks/{lesson.name})"
        assert link in " ".join(introduction.split()), f"{solutions.name}: link to it as {link}"


def test_a_lessons_solutions_badge_follows_the_repository():
    old_line = notebook_links.solutions_link("notebooks/99_x.ipynb", "https://github.com/a/b")
    cells = [nbformat.v4.new_markdown_cell("# L\n\n[![Open In Colab](x.svg)](https://old)\n"),
             nbformat.v4.new_code_cell('%pip install --quiet "gan-lessons @ git+https://old"'),
             nbformat.v4.new_markdown_cell(f"## Exercises\n\n1. **A.**\n\n{old_line}")]
    notebook = notebook_links.linked(nbformat.v4.new_notebook(cells=cells),
                                     "notebooks/99_x.ipynb", "https://github.com/me/fork")
    assert notebook.cells[2].source.endswith(
        "(https://colab.research.google.com/github/me/fork/blob/main/"
        "solutions/99_x_solutions.ipynb)")
    assert "(../solutions/99_x_solutions.ipynb)" in notebook.cells[2].source


def test_links_follow_the_repository_and_need_a_badge_and_an_install_cell():
    cells = [nbformat.v4.new_markdown_cell("# L\n\n[![Open In Colab](x.svg)](https://old)\n"),
             nbformat.v4.new_code_cell('%pip install --quiet "gan-lessons @ git+https://old"')]
    notebook = notebook_links.linked(nbformat.v4.new_notebook(cells=cells),
                                     "notebooks/99_x.ipynb", "https://github.com/me/fork")
    assert ("colab.research.google.com/github/me/fork/blob/main/notebooks/99_x.ipynb"
            in notebook.cells[0].source)
    assert notebook.cells[1].source == ('%pip install --quiet '
                                        '"gan-lessons @ git+https://github.com/me/fork"')
    with pytest.raises(ValueError, match="expected a Colab badge"):
        notebook_links.linked(nbformat.v4.new_notebook(cells=cells[:1]), "n.ipynb")


def test_the_setup_cell_says_how_to_install_when_gan_utils_is_missing(monkeypatch):
    path = results_table.ROOT / "notebooks" / "01_vanilla_gan.ipynb"
    cell = next(c for c in nbformat.read(path, as_version=4).cells
                if c.cell_type == "code" and "import gan_utils  # first" in c.source)
    monkeypatch.setitem(sys.modules, "gan_utils", None)  # as if it were not installed
    with pytest.raises(ModuleNotFoundError, match="make lab.*pip install -e"):
        exec(cell.source, {})


def test_syllabus_is_current_and_built_from_the_notebooks_and_results():
    from conftest import ROOT

    syllabus = import_from("scripts", "syllabus")
    assert syllabus.main(["--check"]) == 0, "run python scripts/syllabus.py"
    text = (ROOT / "SYLLABUS.md").read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"(notebooks/{path.name})" in text, path.name
        result = json.loads((ROOT / "results" / f"{path.stem}.json").read_text(encoding="utf-8"))
        assert f"{result['wall_seconds'] / 60:.1f} min" in text, path.stem
    assert "| 1 | 01, 02 | 01: Minimax loss" in text  # homework: each lesson's first exercise
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        assert f"(solutions/{path.name})" in text, path.name

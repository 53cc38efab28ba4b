"""The throughput benchmark: reading lessons' definitions and a tiny run of it."""

import json

import nbformat
import pytest
from conftest import import_from

lesson_code = import_from("benchmarks", "lesson_code")
throughput = import_from("benchmarks", "throughput")


def test_load_definitions_runs_only_what_the_names_need(tmp_path):
    cells = [
        'if "google.colab" in sys.modules:\n    %pip install something',
        "import math\nWIDTH = 3\nSCALE = 2",
        "def build(n=WIDTH):\n    width = n * SCALE\n    return [math.pi] * width",
        "raise RuntimeError('training would run here')",
        "WIDTH = 4  # redefined after build",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    path = tmp_path / "99_test.ipynb"
    nbformat.write(notebook, path)
    definitions = lesson_code.load_definitions(path, ["build", "WIDTH"])
    # As after running the notebook: build's default took the WIDTH defined before it.
    assert len(definitions["build"]()) == 6 and definitions["WIDTH"] == 4
    with pytest.raises(KeyError, match="defines no missing"):
        lesson_code.load_definitions(path, ["missing"])


def test_quick_benchmark_of_one_lesson_writes_its_figures(tmp_path):
    output = tmp_path / "throughput.json"
    throughput.main(["--quick", "--lessons", "01_vanilla_gan", "--output", str(output)])
    summary = json.loads(output.read_text())
    result = summary["lessons"]["01_vanilla_gan"]
    assert summary["quick"] and summary["peak_matmul_gflops"] > 0
    assert result["images_per_step"] == 128 and result["flops_per_step"] > 1e9
    assert set(result["variants"]) == {"ours", "ours_xla", "keras_io"}
    assert [result["variants"][v]["jit_compile"] for v in ("ours", "ours_xla")] == [False, True]
    for figures in result["variants"].values():
        assert figures["steps_per_second"] > 0 and 0 < figures["fraction_of_peak"]
    ours, reference = (result["variants"][v]["steps_per_second"] for v in ("ours", "keras_io"))
    assert result["ratio_to_keras_io"]["ours"] == pytest.approx(ours / reference, rel=0.01)


def test_spread_note_only_when_the_medians_differ_less_than_the_rounds_vary():
    # Medians 21.0 and 21.3 differ by 0.30; the rounds span 3.1 and 3.3: a tie, said so.
    note = throughput.spread_note([21.2, 18.3, 21.0, 21.4, 20.6], [18.3, 21.3, 21.6, 21.5, 21.1])
    assert note.startswith("within noise: the medians differ by 0.30 steps/s")
    # Medians 10 and 20 with rounds spanning 1: a real difference, no such note.
    assert throughput.spread_note([9.5, 10.0, 10.5], [19.5, 20.0, 20.5]) is None

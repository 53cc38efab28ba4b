"""What a learner sees: the committed notebooks' outputs hold no TensorFlow or download noise."""

import json
import re

import nbformat
import pytest
from conftest import NOTEBOOKS

# What TensorFlow, Keras and a failed download print that says nothing to a learner.
NOISE = {
    "absl start-up line": re.compile(r"All log messages before absl::InitializeLog"),
    "native log line": re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ \S+:\d+\]", re.M),
    "oneDNN notice": re.compile(r"oneDNN custom operations"),
    "CPU feature guard": re.compile(r"cpu_feature_guard|rebuild TensorFlow with the appropriate"),
    "CUDA probing": re.compile(r"cudart_stub|failed call to cuInit|cuda_platform"),
    "graph optimizer": re.compile(r"meta_optimizer\.cc|remapper failed"),
    "XLA or MLIR service": re.compile(r"XLA service|xla/service|MLIR|mlir_graph"),
    "tf.function retracing": re.compile(r"triggered tf\.function retracing"),
    "memory address": re.compile(r" at 0x[0-9a-f]{6,}>"),
    "download attempt": re.compile(r"Downloading data from"),
    "socket error": re.compile(r"socket\.|gaierror|Temporary failure in name resolution"),
    "Python warning": re.compile(r"\w+Warning: "),
    "install path": re.compile(r"site-packages/|/usr/lib/python"),
}


def output_texts(notebook):
    """(cell index, text) of every text output: streams, errors and plain-text results."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                yield index, output["text"]
            elif output.get("output_type") == "error":
                yield index, "\n".join(output.get("traceback", []))
            elif "text/plain" in output.get("data", {}):
                yield index, output["data"]["text/plain"]


def noise_in(notebook):
    return [
        f"cell {index}: {name}: {match.group(0)!r}"
        for index, text in output_texts(notebook)
        for name, pattern in NOISE.items()
        for match in [pattern.search(text)]
        if match
    ]


# Committed with outputs from before the quiet start-up (their cpu re-run is still to do:
# lesson 06 missed its bar under PacGAN's high-quality reverse KL; lesson 07 compares the
# samples that lessons 01-04 leave in artifacts/, so it re-runs after them on one machine).
# Remove a name once its notebook is re-run.
NOT_YET_RERUN = set()


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.stem not in NOT_YET_RERUN],
                         ids=lambda path: path.stem)
def test_committed_outputs_hold_no_noise(path):
    found = noise_in(nbformat.read(path, as_version=4))
    assert not found, f"{path.name} shows a learner noise:\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_noise():
    samples = [
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796197408.252330    3688 cudart_stub.cc:31] Could not find cuda drivers",
        "E0000 00:00:1795446369.549865    5750 meta_optimizer.cc:967] remapper failed: x",
        "WARNING:tensorflow:5 out of the last 36 calls to <function f at 0x7fcfe4165940> "
        "triggered tf.function retracing.",
        "Downloading data from https://storage.googleapis.com/mnist.npz",
        "/x/.venv/lib/python3.11/site-packages/keras/src/a.py:74: UserWarning: `shuffle=True`",
    ]
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(outputs=[nbformat.v4.new_output("stream", text=text)])
        for text in samples
    ])
    cells_with_noise = {line.split(":")[0] for line in noise_in(notebook)}
    assert cells_with_noise == {f"cell {index}" for index in range(len(samples))}
    clean = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("stream", text="Epoch 1/3\n500/500 ━━━━ 12s 24ms/step - d_loss: 1.2")
    ])])
    assert noise_in(clean) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_cell_has_an_id(path):
    """nbformat 4.5 gives every cell an id; a cell added by hand without one is a warning in
    today's nbformat and an error in a later one (and Jupyter rewrites the file to add it)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    missing = [index for index, cell in enumerate(notebook["cells"]) if "id" not in cell]
    assert not missing, f"{path.name}: cells without an id: {missing}"

"""Execute lesson notebooks top to bottom in one run profile, in place, then refresh the README.

    python scripts/run_lessons.py --profile cpu notebooks/01_vanilla_gan.ipynb
    python scripts/run_lessons.py --profile cpu solutions/01_vanilla_gan_solutions.ipynb

Each notebook runs in a fresh kernel started in notebooks/, with GAN_PROFILE set, from the top:
the backups an interrupted earlier run left (callbacks.ResumeAfterRestart) are deleted first.
Progress bars print carriage returns; only their final state is kept in the saved outputs, as a
terminal would show them, so the committed notebooks stay small.
"""

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from gan_utils import paths
from gan_utils.profiles import PROFILES

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_table  # noqa: E402
import syllabus  # noqa: E402


def final_line_state(text):
    """Keep what a terminal shows: for each line, the text after its last carriage return."""
    lines = text.split("\n")
    return "\n".join(re.split(r"\r(?!$)", line)[-1].rstrip("\r") for line in lines)


def coalesce_streams(outputs):
    """Merge consecutive outputs of the same stream, as Jupyter shows them."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous["name"] == output["name"]
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def tidy_progress_output(notebook):
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = coalesce_streams(cell.outputs)
        for output in cell.outputs:
            if output.get("output_type") == "stream":
                output["text"] = final_line_state(output["text"])


def save_run(notebook, destination):
    """Write an executed notebook, its progress bars tidied to their final state."""
    tidy_progress_output(notebook)
    nbformat.write(notebook, destination)


def discard_backups(path, profile):
    """Remove what an interrupted earlier run of this notebook left for ResumeAfterRestart:
    a committed run is one run from the top, never a resumed one."""
    lesson_artifacts = paths.project_root() / "artifacts" / path.stem
    for backup in sorted(lesson_artifacts.glob(f"backup*/{profile}")):
        shutil.rmtree(backup)
        print(f"  discarded an earlier run's backup: {backup.relative_to(paths.project_root())}")


def run_notebook(path, profile, timeout):
    discard_backups(path, profile)
    notebook = nbformat.read(path, as_version=4)
    os.environ["GAN_PROFILE"] = profile
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError:
        # Keep what ran (the figures of a long run that failed its self-check) in artifacts/;
        # the committed notebook stays as it was.
        failed = results_table.ROOT / "artifacts" / "failed_runs" / path.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        save_run(notebook, failed)
        print(f"  failed; the outputs so far are in {failed}", flush=True)
        raise
    save_run(notebook, path)
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--profile", choices=PROFILES, required=True)
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args()
    for path in args.notebooks:
        print(f"Running {path} in the {args.profile} profile ...", flush=True)
        seconds = run_notebook(path, args.profile, args.timeout)
        print(f"  done in {seconds:.0f} s", flush=True)
    results_table.update_readme()
    lessons = [path for path in args.notebooks if path.resolve().parent.name == "notebooks"]
    if lessons:  # a solutions notebook has no results file and no run-time paragraph
        results_table.update_notebook_headers(lessons)
    syllabus.main([])  # its run times come from the same results


if __name__ == "__main__":
    main()

"""Regenerate the README's lessons table from results/<lesson>.json.

    python scripts/results_table.py

Rewrites what lies between the `<!-- lessons:start -->` and `<!-- lessons:end -->` markers and,
where the README has them, the throughput table between `<!-- throughput:start -->` and
`<!-- throughput:end -->` from results/throughput.json (`make benchmark`). It also rewrites the
**Run time** paragraph at the top of each notebook from the same results, so that no notebook
types a run time by hand.
"""

import json
import re
import textwrap
from pathlib import Path

import nbformat
from notebook_links import colab_badge

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- lessons:start -->", "<!-- lessons:end -->"
THROUGHPUT_START, THROUGHPUT_END = "<!-- throughput:start -->", "<!-- throughput:end -->"


def notebook_title(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    first_line = "".join(cells[0]["source"]).splitlines()[0]
    return first_line.lstrip("# ").strip()


# How the table names the models of a lesson that compares several (results' nested metrics).
MODEL_NAMES = {"wgan_gp": "WGAN-GP", "wgan": "WGAN (weight clipping)",
               "lesson01_losses": "lesson 01's losses", "control": "control (λ = 0)",
               "stylegan2": "StyleGAN2", "progan": "ProGAN"}


# Words spelled as the lessons spell them, inside a longer key ("ablation_sn_hinge_seed_0").
WORDS = {"infogan": "InfoGAN", "sn": "SN", "ttur": "TTUR", "r1": "R1",
         "diffaugment": "DiffAugment"}


def model_name(key):
    """A results key in words: "wgan_gp" → "WGAN-GP", "infogan_seed_0" → "InfoGAN seed 0"."""
    if key in MODEL_NAMES:
        return MODEL_NAMES[key]
    return " ".join(WORDS.get(word, word) for word in key.split("_"))


def quality(metrics):
    """The headline figures of a lesson, in words a reader can compare."""
    models = {name: value for name, value in metrics.items() if isinstance(value, dict)}
    if models:  # one line per model: {"wgan_gp": {...}, "wgan": {...}}
        lines = [f"{model_name(name)}: {quality(figures)}" for name, figures in models.items()]
        if "limited_fd_reduction" in metrics:  # lesson 10: DiffAugment against none
            lines.append(f"DiffAugment changes the mean judge FD at 500 digits by"
                         f" {-metrics['limited_fd_reduction']:+.1%}")
        if "truncation_rho_precision" in metrics:  # lesson 11: the truncation sweep
            lines.append(f"truncation ψ from 0 to 1: rank correlation with precision"
                         f" {metrics['truncation_rho_precision']:+.2f}, with recall"
                         f" {metrics['truncation_rho_recall']:+.2f}")
        return "<br>".join(lines)
    parts = []
    if "judge_fd" in metrics and "fd_ratio_to_blurred" not in metrics:
        parts.append(f"judge FD {metrics['judge_fd']:.1f}")
    elif "judge_fd" in metrics:
        parts.append(
            f"judge FD {metrics['judge_fd']:.1f} = {metrics['fd_ratio_to_blurred']:.3f} × blurred"
            f" (real digits {metrics['judge_fd_real']:.1f},"
            f" blurred {metrics['judge_fd_blurred']:.1f})"
        )
    if "classes_covered" in metrics:
        parts.append(f"{metrics['classes_covered']}/10 classes")
    if "precision" in metrics:
        parts.append(f"precision {metrics['precision']:.2f}, recall {metrics['recall']:.2f}")
    if "conditional_accuracy" in metrics:
        parts.append(f"conditional accuracy {metrics['conditional_accuracy']:.1%}")
    if "modes" in metrics:
        parts.append(f"{metrics['modes']:.1f} modes, {metrics['hq_percent']:.1f} % high quality,"
                     f" reverse KL {metrics['reverse_kl']:.2f}")
    if "label_preservation_ab" in metrics:
        parts.append(
            f"labels kept A→B {metrics['label_preservation_ab']:.1%}"
            f" (untranslated {metrics['baseline_ab']:.1%}),"
            f" B→A {metrics['label_preservation_ba']:.1%}"
            f" (untranslated {metrics['baseline_ba']:.1%}); cycle L1 {metrics['cycle_l1']:.3f}"
        )
    if "xla_speedup" in metrics:
        parts.append(f"XLA ×{metrics['xla_speedup']:.2f} steps/s")
    if "replicas" in metrics:
        parts.append(f"{metrics['replicas']} replicas: {metrics['steps_per_second_mirrored']:.1f}"
                     f" steps/s, losses equal one device's to"
                     f" {metrics['mirrored_loss_difference']:.0e}")
    if "code_accuracy" in metrics:
        rhos = [abs(value) for key, value in metrics.items() if key.startswith("rho_")]
        # (no "|" here: the text goes into a Markdown table cell)
        parts.append(f"code c1 → class, matched accuracy {metrics['code_accuracy']:.1%}"
                     + (f"; Q on held-out digits {metrics['q_accuracy_held_out']:.1%}"
                        if "q_accuracy_held_out" in metrics else "")
                     + (f"; strongest rank correlation with slant or width ±{max(rhos):.2f}"
                        if rhos else ""))
    if "ms_per_step" in metrics:
        parts.append(f"{metrics['ms_per_step']:.0f} ms per step")
    if "overfitting_gap" in metrics:
        parts.append(f"D's gap, training − held-out digits {metrics['overfitting_gap']:+.2f},"
                     f" r_t {metrics['r_t']:+.2f}")
    if "cas" in metrics:
        parts.append(
            f"CAS {metrics['cas']:.1%} (real-trained {metrics['cas_real']:.1%})"
        )
    return "; ".join(parts) or "–"


def table_rows():
    rows = [
        "| Lesson | Colab | Run time, whole notebook (measured) | Training"
        " | Quality (measured) |",
        "|---|---|---|---|---|",
    ]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        relative = notebook.relative_to(ROOT).as_posix()
        lesson = f"[{notebook_title(notebook)}]({relative})"
        results_path = ROOT / "results" / f"{notebook.stem}.json"
        if not results_path.exists():
            rows.append(f"| {lesson} | {colab_badge(relative)} | not run yet | – | – |")
            continue
        result = json.loads(results_path.read_text(encoding="utf-8"))
        run = f"{result['profile']}: {result['wall_seconds'] / 60:.1f} min"
        if result["profile"] != "gpu":
            run += "; gpu: not measured yet"
        training = (f"{result['train_steps']:,} steps at {result['steps_per_second']:.1f} steps/s"
                    if result["train_steps"] else "no training (evaluates saved samples)")
        cells = [lesson, colab_badge(relative), run, training, quality(result["metrics"])]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


# What a notebook's run time depends on beyond its own training, said after the cpu figure.
RUN_TIME_NOTES = {
    "07_evaluation": "with lessons 01–04's samples present; when none is there it trains a "
                     "small generator first",
}
RUN_TIME_PARAGRAPH = re.compile(r"\*\*Run time\*\*.*?(?=\n\n|\Z)", re.S)


def run_time_paragraph(stem):
    """The notebook's **Run time** paragraph, from results/<stem>.json."""
    results_path = ROOT / "results" / f"{stem}.json"
    result = json.loads(results_path.read_text(encoding="utf-8")) if results_path.exists() else None
    if result is None or result["profile"] == "smoke":
        measured = "`cpu` not measured yet"
    else:
        minutes = result["wall_seconds"] / 60
        measured = f"`{result['profile']}` {minutes:.1f} minutes measured"
        if result["train_steps"]:
            measured += f" ({result['steps_per_second']:.1f} training steps per second)"
        measured += " on 2 CPU cores, the run committed here"
        if stem in RUN_TIME_NOTES:
            measured += f", {RUN_TIME_NOTES[stem]}"
    gpu = "" if result and result["profile"] == "gpu" else "; `gpu` not measured yet"
    return textwrap.fill(f"**Run time** (whole notebook): {measured}; `smoke` (the test suite) "
                         f"about a minute{gpu}. Scale by your machine's steps per second.", 95)


def update_notebook_headers(notebooks=None):
    """Rewrite each notebook's **Run time** paragraph (in its first cell) from results/."""
    for path in notebooks or sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        header = notebook.cells[0]
        if not RUN_TIME_PARAGRAPH.search(header.source):
            raise ValueError(f"{path.name}: its first cell has no **Run time** paragraph")
        paragraph = run_time_paragraph(path.stem)
        new = RUN_TIME_PARAGRAPH.sub(lambda _, text=paragraph: text, header.source)
        if new != header.source:
            header.source = new
            nbformat.write(notebook, path)


VARIANT_NAMES = {"ours": "ours", "ours_xla": "ours + XLA", "keras_io": "keras.io-style loop"}


def throughput_rows():
    """The benchmark's table (results/throughput.json), with how and where it was measured."""
    path = ROOT / "results" / "throughput.json"
    if not path.exists():
        return ["Not measured yet: run `make benchmark`."]
    summary = json.loads(path.read_text(encoding="utf-8"))
    machine, settings = summary["machine"], summary["settings"]
    devices = ", ".join(machine["gpus"]) or f"{machine['cpu_cores']} CPU cores, no GPU"
    rows = [
        f"Measured in one run of `make benchmark` on {devices} (TensorFlow"
        f" {summary['versions']['tensorflow']}, Keras {summary['versions']['keras']}):"
        f" steps per second, with real images per second in brackets, median of"
        f" {settings['rounds']} rounds of {settings['steps']} steps taken in turns. Peak float32"
        f" matrix multiply measured in the same run: {summary['peak_matmul_gflops']:.1f} GFLOP/s;"
        " the last column is each loop's achieved FLOP rate as a share of it.",
        "",
        "| Lesson's model | real images per step | " + " | ".join(VARIANT_NAMES.values())
        + " | ours ÷ keras.io | XLA ÷ keras.io | share of peak (ours / XLA / keras.io) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    notes = []
    for name, result in summary["lessons"].items():
        variants = result["variants"]
        speeds = [f"{variants[v]['steps_per_second']:.1f} ({variants[v]['images_per_second']:,.0f})"
                  for v in VARIANT_NAMES]
        ratios = [f"{result['ratio_to_keras_io'][v]:.2f}" for v in ("ours", "ours_xla")]
        shares = " / ".join(f"{variants[v]['fraction_of_peak']:.1%}" for v in VARIANT_NAMES)
        rows.append(f"| {name} | {result['images_per_step']} | " + " | ".join(speeds + ratios)
                    + f" | {shares} |")
        if "note" in result:
            notes.append(f"{name}: {result['note']}.")
    if notes:
        rows += ["", "Why a ratio is below 1: " + " ".join(notes)]
    return rows


def fill_section(text, start, end, rows, name):
    if start not in text or end not in text:
        raise ValueError(f"{name} has no {start} ... {end} markers to fill in.")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n" + "\n".join(rows) + f"\n{end}{tail}"


def update_readme(readme=ROOT / "README.md"):
    text = fill_section(readme.read_text(encoding="utf-8"), START, END, table_rows(), readme.name)
    if THROUGHPUT_START in text:
        text = fill_section(text, THROUGHPUT_START, THROUGHPUT_END, throughput_rows(),
                            readme.name)
    readme.write_text(text, encoding="utf-8")
    print(f"Updated the tables in {readme.name}")


if __name__ == "__main__":
    update_readme()
    update_notebook_headers()
    import syllabus  # SYLLABUS.md quotes the same results

    syllabus.main([])

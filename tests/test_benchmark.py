"""The throughput benchmark: where its models come from and a tiny run of it."""

import json

import pytest
from conftest import import_from

throughput = import_from("benchmarks", "throughput")


def test_each_lesson_model_comes_from_its_exported_code():
    """The benchmark imports what the notebooks export; nothing reads a notebook."""
    assert not hasattr(throughput, "load_definitions")
    spec = throughput.LESSONS["04_wgan"]
    assert spec.gan_class.__module__ == "gan_utils.lessons.wgan"
    assert spec.critic_steps == 5 and spec.budgets["cpu"]["batch_size"] == 32
    assert throughput.LESSONS["02_dcgan"].build_generator.__module__ == "gan_utils.lessons.dcgan"


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

"""Training throughput of each lesson's model: our train_step, with XLA, and a keras.io-style loop.

    python benchmarks/throughput.py            # full run: writes results/throughput.json
    python benchmarks/throughput.py --quick    # a few steps, to check it works (not committed)

For each lesson that trains on digits it takes the networks, the GAN subclass and the `cpu`
budget's batch size from the lesson's exported code (`gan_utils.lessons`, written from the
notebooks' `# @save` cells and tested to match them) and measures, in one run, steps/s and
images/s of

* `ours`: the lesson's own `train_step`, `jit_compile=False` (what Keras' "auto" picks on a CPU);
* `ours_xla`: the same with `jit_compile=True`;
* `keras_io`: the same networks and optimizers under a loop written as the keras.io examples
  write theirs (`keras_io_reference.py`), compiled with Keras' defaults.

Variants take turns, `rounds` times, and each figure is the median of its rounds, so that a
disturbance of the machine hits all of them alike. The run also measures the machine's peak
float32 matrix-multiply rate and gives each variant's achieved FLOP rate as a fraction of it.
FLOPs per step are counted once per lesson, by TensorFlow's profiler on the graph of our traced
train step, and used for all three variants: they do the same arithmetic per step. (Counted on
the reference's own graph they come out higher, because that static count includes gradient
ops TensorFlow prunes before running them.)
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import keras
import tensorflow as tf

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from keras_io_reference import KerasIoConditionalGAN, KerasIoGAN, KerasIoWGANGP  # noqa: E402

from gan_utils import data, paths, scaling  # noqa: E402
from gan_utils.lessons import conditional_gan, dcgan, vanilla_gan, wgan  # noqa: E402

VARIANTS = ("ours", "ours_xla", "keras_io")


@dataclass(frozen=True)
class LessonModel:
    """A lesson's model, from its exported code, and how its batches look."""

    budgets: dict  # the lesson's budget table; the benchmark uses the cpu row's batch size
    gan_class: type
    build_generator: Callable
    build_discriminator: Callable
    reference: type = KerasIoGAN
    conditional: bool = False  # batches are (images, labels)
    critic_steps: int = 1  # critic updates per generator step


LESSONS = {
    "01_vanilla_gan": LessonModel(vanilla_gan.BUDGETS, vanilla_gan.VanillaGAN,
                                  vanilla_gan.build_generator, vanilla_gan.build_discriminator),
    # Lesson 02 trains its DCGAN networks with lesson 01's train_step.
    "02_dcgan": LessonModel(dcgan.BUDGETS, vanilla_gan.VanillaGAN, dcgan.build_generator,
                            dcgan.build_discriminator),
    "03_conditional_gan": LessonModel(conditional_gan.BUDGETS, conditional_gan.ConditionalGAN,
                                      conditional_gan.build_generator,
                                      conditional_gan.build_discriminator,
                                      reference=KerasIoConditionalGAN, conditional=True),
    "04_wgan": LessonModel(wgan.BUDGETS, wgan.WGANGP, wgan.build_generator, wgan.build_critic,
                           reference=KerasIoWGANGP, critic_steps=wgan.N_CRITIC),
}

# Where a lesson's loop differs in structure from the reference, by lesson: the note printed
# beside a ratio below 1. Differences, not measured causes: check them against the figures.
# Lesson 03's 0.92× of an earlier 5-round run was noise: 9 rounds on another 2-core host
# (`--lessons 02_dcgan 03_conditional_gan --rounds 9`, TF 2.21) gave 14.85 against 14.71
# steps/s, 1.01×, with single rounds over 14.2–17.1 (ours) and 13.9–15.4 (keras.io).
NOTES = {
    "01_vanilla_gan": "the reference calls D once on real and generated images concatenated; "
                      "ours calls it once per batch",
    "02_dcgan": "ours calls D once per batch, so batch norm normalises real and generated "
                "images apart (lesson 02); the reference calls it once on both concatenated",
    "03_conditional_gan": "as lesson 02: one call of D per batch for batch norm's sake, where "
                          "the reference concatenates",
    "04_wgan": "ours takes a fresh real batch for each of the 5 critic updates (a 5× larger "
               "input batch per step); the reference reuses one batch 5 times",
}


XLA_NOTE = ("XLA's compiled step is slower than TensorFlow's own kernels for these networks on "
            "this machine (whether XLA helps on a CPU depends on the machine: lesson 08 times "
            "both on yours)")


def spread_note(ours, reference):
    """A note when two medians differ by less than the rounds of either vary; else None.

    Then the run cannot tell the loops apart, and the ratio below 1 is not a finding.
    """
    gap = abs(statistics.median(reference) - statistics.median(ours))
    spread = min(max(ours) - min(ours), max(reference) - min(reference))
    if gap >= spread:
        return None
    return (f"within noise: the medians differ by {gap:.2f} steps/s, while the rounds ranged "
            f"over {min(ours):.1f}–{max(ours):.1f} (ours) and "
            f"{min(reference):.1f}–{max(reference):.1f} (keras.io)")


def adam_pair():
    """Both lessons' optimizers: Adam, with a weight average on G (its cost is part of a step)."""
    return (keras.optimizers.Adam(2e-4, beta_1=0.5),
            keras.optimizers.Adam(2e-4, beta_1=0.5, use_ema=True, ema_momentum=0.999))


def build_models(spec):
    """The lesson's GAN with and without XLA and the reference, each with fresh networks."""
    batch_size = spec.budgets["cpu"]["batch_size"]

    def networks():
        return spec.build_generator(), spec.build_discriminator()

    models = {}
    for variant, jit_compile in (("ours", False), ("ours_xla", True)):
        generator, discriminator = networks()
        latent_dim = generator.input_shape[0][-1] if spec.conditional else None
        gan = spec.gan_class(generator, discriminator, latent_dim=latent_dim)
        gan.compile(*adam_pair(), jit_compile=jit_compile)
        models[variant] = gan
    generator, discriminator = networks()
    latent_dim = models["ours"].latent_dim
    if spec.reference is KerasIoWGANGP:
        reference = KerasIoWGANGP(discriminator, generator, latent_dim,
                                  discriminator_extra_steps=spec.critic_steps)
        reference.compile(*adam_pair())
    else:
        reference = spec.reference(discriminator, generator, latent_dim)
        reference.compile(*adam_pair(), loss_fn=keras.losses.BinaryCrossentropy(from_logits=True))
    models["keras_io"] = reference
    return models, batch_size, spec.critic_steps


def datasets(spec, batch_size, critic_steps):
    """Repeating pipelines of the bundled digits: ours takes a batch per critic update."""
    images, labels = data.load_mnist("train", source="bundled", verbose=False)
    labels = labels.astype("int32") if spec.conditional else None

    def pipeline(batch):
        return data.make_dataset(images, labels, batch_size=batch).repeat()

    ours = pipeline(batch_size * critic_steps)
    return {"ours": ours, "ours_xla": ours, "keras_io": pipeline(batch_size)}


def flops_per_step(model, dataset):
    """Floating-point operations of one train step, counted by TF's profiler on its graph."""
    spec = dataset.element_spec
    graph = tf.function(model.train_step).get_concrete_function(spec).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops)


def peak_matmul_flops(size=2048, trials=5):
    """Best rate of one size × size float32 matrix product, in FLOP/s (2 size³ per product)."""
    a = tf.random.normal((size, size))
    b = tf.random.normal((size, size))
    product = tf.function(lambda: tf.reduce_sum(tf.linalg.matmul(a, b)))
    product().numpy()  # trace and warm up
    best = float("inf")
    for _ in range(trials):
        started = time.perf_counter()
        product().numpy()
        best = min(best, time.perf_counter() - started)
    return 2 * size**3 / best


def machine():
    gpus = tf.config.list_physical_devices("GPU")
    names = [tf.config.experimental.get_device_details(gpu).get("device_name", "GPU")
             for gpu in gpus]
    return {"platform": platform.platform(), "processor": platform.processor() or "unknown",
            "cpu_cores": os.cpu_count(), "gpus": names}


def benchmark_lesson(name, steps, warmup_steps, rounds):
    spec = LESSONS[name]
    models, batch_size, critic_steps = build_models(spec)
    pipelines = datasets(spec, batch_size, critic_steps)
    timings = {variant: [] for variant in VARIANTS}
    for round_index in range(rounds):
        for variant in VARIANTS:  # interleaved, so a busy moment hits every variant
            warmup = warmup_steps if round_index == 0 else 1  # the first traces / compiles
            timing = scaling.measure_throughput(models[variant], pipelines[variant], steps,
                                                warmup_steps=warmup)
            timings[variant].append(timing["steps_per_second"])
    images_per_step = batch_size * critic_steps  # real images through D per generator step
    result = {"batch_size": batch_size, "images_per_step": images_per_step,
              "flops_per_step": flops_per_step(models["ours"], pipelines["ours"]), "variants": {}}
    for variant in VARIANTS:
        steps_per_second = statistics.median(timings[variant])
        result["variants"][variant] = {
            "steps_per_second": round(steps_per_second, 2),
            "images_per_second": round(steps_per_second * images_per_step, 1),
            "jit_compile": bool(models[variant].jit_compile),
            "rounds": [round(value, 2) for value in timings[variant]],
        }
    reference = result["variants"]["keras_io"]["steps_per_second"]
    result["ratio_to_keras_io"] = {
        variant: round(result["variants"][variant]["steps_per_second"] / reference, 3)
        for variant in ("ours", "ours_xla")
    }
    notes = []
    if result["ratio_to_keras_io"]["ours"] < 1.0:
        notes.append(spread_note(timings["ours"], timings["keras_io"]) or NOTES[name])
    if result["ratio_to_keras_io"]["ours_xla"] < 1.0:
        notes.append(XLA_NOTE)
    if notes:
        result["note"] = "; ".join(notes)
    return result


def run(lessons, steps, warmup_steps, rounds, matmul_size):
    started = time.perf_counter()
    peak = peak_matmul_flops(matmul_size)
    results = {}
    for name in lessons:
        print(f"{name}: measuring {', '.join(VARIANTS)} ...", flush=True)
        results[name] = benchmark_lesson(name, steps, warmup_steps, rounds)
        flops = results[name]["flops_per_step"]
        for variant in results[name]["variants"].values():
            variant["fraction_of_peak"] = round(flops * variant["steps_per_second"] / peak, 4)
    return {
        "machine": machine(),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
        "settings": {"steps": steps, "warmup_steps": warmup_steps, "rounds": rounds,
                     "matmul_size": matmul_size},
        "peak_matmul_gflops": round(peak / 1e9, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "lessons": results,
    }


def print_table(summary):
    print(f"\npeak float32 matmul: {summary['peak_matmul_gflops']:.1f} GFLOP/s")
    header = f"{'lesson':20s} {'variant':9s} {'steps/s':>8s} {'images/s':>9s} {'GFLOP/step':>10s}"
    print(header + f" {'of peak':>8s} {'÷ keras.io':>10s}")
    for name, result in summary["lessons"].items():
        for variant, figures in result["variants"].items():
            ratio = result["ratio_to_keras_io"].get(variant)
            print(f"{name:20s} {variant:9s} {figures['steps_per_second']:8.2f} "
                  f"{figures['images_per_second']:9.1f} {result['flops_per_step'] / 1e9:10.2f} "
                  f"{figures['fraction_of_peak']:8.1%} "
                  f"{'' if ratio is None else f'{ratio:.2f}':>10s}")
        if "note" in result:
            print(f"{'':20s} note: {result['note']}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a few steps, a small matmul; writes to artifacts/, not results/")
    parser.add_argument("--lessons", nargs="+", choices=sorted(LESSONS), default=sorted(LESSONS))
    parser.add_argument("--steps", type=int, help="timed steps per measurement")
    parser.add_argument("--rounds", type=int, help="measurements per variant (median kept)")
    parser.add_argument("--output", type=Path, help="where to write the JSON")
    args = parser.parse_args(argv)
    tf.get_logger().setLevel("ERROR")  # retracing notes (three models a lesson), profiler API
    if args.quick:
        settings = dict(steps=2, warmup_steps=1, rounds=1, matmul_size=256)
    else:
        settings = dict(steps=60, warmup_steps=3, rounds=5, matmul_size=2048)
    settings.update({key: getattr(args, key) for key in ("steps", "rounds") if getattr(args, key)})
    summary = run(args.lessons, **settings)
    summary["quick"] = args.quick
    print_table(summary)
    output = args.output or paths.results_dir("smoke" if args.quick else None) / "throughput.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"Wrote {output}")
    return summary


if __name__ == "__main__":
    main()

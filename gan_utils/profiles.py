"""Run profiles: one switch, `GAN_PROFILE`, sets how long every notebook trains (lesson 01 on).

| profile | who                   | budget per notebook                  |
|---------|-----------------------|--------------------------------------|
| smoke   | the test suite        | seconds                              |
| cpu     | a learner on a laptop | at most 10 minutes on 2 cores        |
| gpu     | Colab, a workstation  | full quality                         |

Without `GAN_PROFILE` the profile is `gpu` when TensorFlow sees a GPU, else `cpu`.

`GAN_DRY_RUN=1` beside a profile runs that profile's row (its data source, batch sizes, widths,
every branch it takes) with the smoke row's amounts of work: its epoch and sample counts, the
images, digits or points it makes or reads, and its step counts cut further, to at most
`DRY_RUN_STEPS` per training (or per epoch). The test suite runs every lesson this way in the
`gpu` profile (`make colab-solutions` the worked solutions), so that the code a Colab GPU runs
has run before anyone opens it there. A dry run checks that code, not learning: that training
moved a lesson's metric is asserted in the smoke profile, where the networks are small enough
to train a few hundred steps in the test suite's time.
"""

import os

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "GAN_PROFILE"
DRY_RUN_VAR = "GAN_DRY_RUN"
# Budget keys that say how much work to do, by the end of their name. A dry run takes these
# from the smoke row (step counts capped lower, below). `seeds` counts repeated trainings,
# `readings` and `repeats` measurements; the rest count images, points or latent vectors to
# make or read. `ema` belongs here: a weight average's horizon, 1 / (1 − ema) steps, must fit
# the run's length (in smoke; a dry run's few steps leave the average near its start, which
# only its unreported figures see). So does `quality_bar`: smoke-sized training cannot reach
# it. Every other key of a row (batch size, widths, rates, data source) is the profile's own
# and stays (tests/test_profiles.py checks each notebook's table against SETTING_KEY_ENDINGS).
WORK_KEY_ENDINGS = ("epochs", "steps", "steps_per_epoch", "snapshots", "sample", "samples",
                    "set_size", "kid_subset", "subsets", "batches", "seeds", "readings",
                    "repeats", "images", "digits", "points", "latents", "per_class", "per_code",
                    "ema", "quality_bar")
# Step counts among the work keys: a dry run takes at most DRY_RUN_STEPS of each (per
# training, or per epoch), enough to run a training step's code, its first and a later update.
STEP_KEY_ENDINGS = ("steps", "steps_per_epoch")
DRY_RUN_STEPS = 2
# Keys a dry run keeps from the profile's row: what it trains and how, not how much.
SETTING_KEY_ENDINGS = ("data", "batch", "size", "width", "blocks", "rate", "photos",
                       "inception_fid", "grid")

__all__ = ["PROFILES", "DRY_RUN_STEPS", "current_profile", "dry_run", "dry_run_work",
           "gpu_dry_run", "quick_run", "select_budget"]


def dry_run():
    """Whether `GAN_DRY_RUN` asks for a dry run (1, true or yes)."""
    return os.environ.get(DRY_RUN_VAR, "").strip().lower() in ("1", "true", "yes")


def gpu_dry_run():
    """Whether this is the `gpu` profile's dry run: the test suite's check of the Colab path.

    Code that would take another branch on a GPU than on this CPU takes the GPU's then (XLA
    for the GANs' training steps, `gan_utils.model`), so that branch has run too.
    """
    return dry_run() and current_profile() == "gpu"


def quick_run():
    """Whether this run only checks that the code runs: the smoke profile, or a dry run.

    Library code whose amount of work no budget table names (how many batches refit batch
    norm's statistics for averaged weights, for one) does less then. Its figures are never
    reported: smoke-sized training cannot reach any bar.
    """
    return current_profile() == "smoke" or dry_run()


def _is_work_key(key):
    return key.endswith(WORK_KEY_ENDINGS)


def dry_run_work(row, smoke_row):
    """`row` with every work key (and nested schedule) replaced by the smoke row's value, and
    every step count by at most `DRY_RUN_STEPS`."""
    cut = {}
    for key, value in row.items():
        smoke_value = smoke_row.get(key)
        if isinstance(value, dict) and isinstance(smoke_value, dict):
            cut[key] = dry_run_work(value, smoke_value)
        elif _is_work_key(key) and key in smoke_row:
            is_steps = key.endswith(STEP_KEY_ENDINGS)
            cut[key] = min(smoke_value, DRY_RUN_STEPS) if is_steps else smoke_value
        else:
            cut[key] = value
    return cut


def _default_profile():
    import tensorflow as tf

    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def current_profile():
    """The profile named by `GAN_PROFILE`, or the default for this machine."""
    name = os.environ.get(ENV_VAR, "").strip().lower()
    if not name:
        return _default_profile()
    if name not in PROFILES:
        raise ValueError(
            f"{ENV_VAR}={os.environ[ENV_VAR]!r} is not a run profile; "
            f"expected one of {', '.join(PROFILES)}."
        )
    return name


def select_budget(budgets, profile=None, verbose=True):
    """Pick this profile's row from a notebook's budget table.

    Args:
        budgets: {"smoke": {...}, "cpu": {...}, "gpu": {...}}, one row per profile.
        profile: overrides `GAN_PROFILE` when given.

    Returns:
        (profile name, that profile's budget dict). In a dry run (`GAN_DRY_RUN=1`) the dict
        holds the smoke row's amounts of work, with fewer steps (`dry_run_work`).
    """
    profile = profile or current_profile()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}.")
    missing = [name for name in PROFILES if name not in budgets]
    if missing:
        raise ValueError(f"the budget table has no row for {', '.join(missing)}.")
    budget = dict(budgets[profile])
    is_dry = dry_run() and profile != "smoke"
    if is_dry:
        budget = dry_run_work(budget, budgets["smoke"])
    if verbose:
        settings = ", ".join(f"{key}={value}" for key, value in budget.items())
        kind = (f", dry run: smoke-sized work, at most {DRY_RUN_STEPS} steps per training or "
                "epoch") if is_dry else ""
        print(f"Run profile: {profile}{kind} ({settings})")
    return profile, budget

"""Run profiles: one switch, `GAN_PROFILE`, sets how long every notebook trains (lesson 01 on).

| profile | who                   | budget per notebook                  |
|---------|-----------------------|--------------------------------------|
| smoke   | the test suite        | seconds                              |
| cpu     | a learner on a laptop | at most 10 minutes on 2 cores        |
| gpu     | Colab, a workstation  | full quality                         |

Without `GAN_PROFILE` the profile is `gpu` when TensorFlow sees a GPU, else `cpu`.
"""

import os

PROFILES = ("smoke", "cpu", "gpu")
ENV_VAR = "GAN_PROFILE"

__all__ = ["PROFILES", "current_profile", "select_budget"]


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
        (profile name, that profile's budget dict).
    """
    profile = profile or current_profile()
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}.")
    missing = [name for name in PROFILES if name not in budgets]
    if missing:
        raise ValueError(f"the budget table has no row for {', '.join(missing)}.")
    budget = dict(budgets[profile])
    if verbose:
        settings = ", ".join(f"{key}={value}" for key, value in budget.items())
        print(f"Run profile: {profile} ({settings})")
    return profile, budget

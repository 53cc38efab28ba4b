"""gan_utils: what the GAN Lessons notebooks share.

Each lesson writes its own networks and `train_step` in its notebook; what a second lesson
needs moves here, with unit tests, and the code a later lesson reuses is exported from the
notebooks into `gan_utils.lessons`. Modules: `model` (the `AdversarialModel` and `GAN` bases),
`data` (MNIST), `domains` (CycleGAN's restyled digits), `mixtures` (2-D mixtures, mode
statistics), `losses`, `profiles`, `metrics` (the formulas), `judging` (the judge), `plotting`,
`callbacks`, `paths`, `history` (CycleGAN's image history), `scaling` (devices and throughput),
`spectral` (spectral normalization and its measurement) and `augment` (DiffAugment), both from
lesson 10, and `style` (ProGAN's and StyleGAN2's building blocks, lesson 11).
"""

import os
import sys


def _import_tensorflow_quietly():
    """Import TensorFlow without the native log lines it prints while it loads.

    They come before TensorFlow's logging is set up (so TF_CPP_MIN_LOG_LEVEL cannot stop
    them) and say nothing a learner needs: file descriptor 2 points at os.devnull meanwhile.
    An import error still shows: it is raised after stderr is back.
    """
    # Later C++ messages (GPU probing, XLA, graph optimizers) obey this; only errors remain
    # as Python exceptions. A value set by the user wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved_stderr = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved_stderr, 2)
        os.close(saved_stderr)
        os.close(devnull)


_import_tensorflow_quietly()

from gan_utils import (  # noqa: E402
    augment,
    callbacks,
    data,
    domains,
    history,
    judging,
    losses,
    metrics,
    mixtures,
    paths,
    plotting,
    profiles,
    scaling,
    spectral,
    style,
)
from gan_utils.model import GAN, AdversarialModel  # noqa: E402

__all__ = [
    "GAN", "AdversarialModel", "augment", "callbacks", "data", "domains", "history", "judging",
    "losses", "metrics", "mixtures", "paths", "plotting", "profiles", "scaling", "spectral",
    "style",
]
__version__ = "0.1.0"

"""gan_utils: what the GAN Lessons notebooks share.

Each lesson writes its own networks and `train_step` in its notebook; what a second lesson
needs moves here, with unit tests. Modules: `model` (the `GAN` base), `data`, `losses`, `profiles`,
`metrics` (the judge), `plotting`, `callbacks`, `paths`, `history` (CycleGAN's image history),
`scaling` (devices and throughput).
"""

from gan_utils import (
    callbacks,
    data,
    history,
    losses,
    metrics,
    paths,
    plotting,
    profiles,
    scaling,
)
from gan_utils.model import GAN

__all__ = [
    "GAN", "callbacks", "data", "history", "losses", "metrics", "paths", "plotting", "profiles",
    "scaling",
]
__version__ = "0.1.0"

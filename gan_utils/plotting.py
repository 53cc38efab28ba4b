"""Pictures every lesson shows: image grids, loss curves, training progress (lesson 01 on).

The `show_*` and `plot_*` functions draw and show a figure and return nothing, so a call that
ends a notebook cell does not show its figure twice.
"""

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gan_utils import data

__all__ = [
    "evenly_chosen", "image_grid", "label_frame", "plot_class_histogram", "plot_losses",
    "plot_losses_and_quality", "show_images", "show_progress",
]


def image_grid(images, ncols=8, padding=2, scale=1):
    """Tile (N, H, W[, C]) images into one uint8 picture, `ncols` per row.

    Accepts uint8 images or floats in [-1, 1]; `scale` repeats pixels to enlarge the result.
    """
    tiles = data.to_uint8(data.to_unit_range(images))
    n, height, width, channels = tiles.shape
    nrows = int(np.ceil(n / ncols))
    grid = np.zeros(
        (nrows * (height + padding) + padding, ncols * (width + padding) + padding, channels),
        dtype=np.uint8,
    )
    for index, tile in enumerate(tiles):
        top = padding + (index // ncols) * (height + padding)
        left = padding + (index % ncols) * (width + padding)
        grid[top : top + height, left : left + width] = tile
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    return grid[..., 0] if channels == 1 else grid


def _show_grid(ax, grid, title=None):
    ax.imshow(grid, cmap="gray", vmin=0, vmax=255)
    ax.set_axis_off()
    if title:
        ax.set_title(title)


def label_frame(grid, text, height=None):
    """`grid` (uint8, grey or RGB) with a white strip above it saying `text`: a GIF frame that
    says which epoch it shows."""
    grid = np.asarray(grid, dtype=np.uint8)
    rgb = np.repeat(grid[..., None], 3, axis=-1) if grid.ndim == 2 else grid
    height = height or max(14, grid.shape[1] // 18)
    strip = Image.new("RGB", (rgb.shape[1], height), "white")
    font = ImageFont.load_default(size=int(height * 0.75))
    ImageDraw.Draw(strip).text((4, height // 2), text, fill="black", font=font, anchor="lm")
    return np.concatenate([np.asarray(strip), rgb], axis=0)


def show_images(images, ncols=8, title=None, size=4, row_labels=None):
    """Show images as one grid; `row_labels` names each row at its left (e.g. "G(a)")."""
    grid = image_grid(images, ncols=ncols)
    _, ax = plt.subplots(figsize=(size, size * grid.shape[0] / grid.shape[1]))
    _show_grid(ax, grid, title)
    if row_labels is not None:
        nrows = int(np.ceil(len(images) / ncols))
        if len(row_labels) != nrows:
            raise ValueError(f"got {len(row_labels)} row labels for {nrows} rows.")
        row_height = grid.shape[0] / nrows
        for row, label in enumerate(row_labels):
            ax.text(-4, (row + 0.5) * row_height, label, ha="right", va="center", fontsize=9)
    plt.show()


def plot_losses(history, keys=None, title="Losses over training", reference_lines=None):
    """One curve per key of a `keras.callbacks.History` (or its `.history` dict), per epoch.

    `reference_lines` ({label: value}) draws dashed horizontal lines, e.g. equilibrium values.
    """
    logs = getattr(history, "history", history)
    _, ax = plt.subplots(figsize=(6, 3.5))
    for key in keys or list(logs):
        values = logs[key]
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    for label, value in (reference_lines or {}).items():
        ax.axhline(value, color="gray", linestyle="--", linewidth=0.8)
        ax.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), va="bottom")
    ax.set(xlabel="epoch", ylabel="loss", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    plt.show()


def plot_losses_and_quality(history, judge_fd, keys=None, title="Losses and sample quality",
                            reference_lines=None,
                            quality_label="judge FD (small sample; lower is better)"):
    """Losses per epoch beside the judge's FD per epoch (`callbacks.JudgeEveryEpoch`).

    The point of lessons 01 and 04 made visible: a GAN's losses describe the game, the judge
    describes the samples, and the two need not move together. `reference_lines` as in
    `plot_losses`. `judge_fd` may also be {name: values per epoch}, several quality curves
    (lesson 05's label preservation both ways), named by `quality_label`.
    """
    logs = getattr(history, "history", history)
    curves = judge_fd if isinstance(judge_fd, dict) else {None: judge_fd}
    _, (losses, quality) = plt.subplots(1, 2, figsize=(11, 3.4))
    for key in keys or list(logs):
        losses.plot(np.arange(1, len(logs[key]) + 1), logs[key], label=key)
    for label, value in (reference_lines or {}).items():
        losses.axhline(value, color="gray", linestyle="--", linewidth=0.8)
        losses.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), va="bottom")
    losses.set(xlabel="epoch", ylabel="loss", title="losses (mean per epoch)")
    losses.legend()
    for name, values in curves.items():
        quality.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    if None not in curves:
        quality.legend()
    quality.set(xlabel="epoch", ylabel=quality_label, title="sample quality")
    for ax in (losses, quality):
        ax.grid(alpha=0.3)
    plt.suptitle(title)
    plt.tight_layout()
    plt.show()


def evenly_chosen(count, most):
    """At most `most` indices of `count` items, evenly spread; the first and the last always."""
    return np.unique(np.linspace(0, count - 1, min(most, count)).astype(int))


def show_progress(frames, labels, max_frames=6, size=2.2):
    """A row of progress grids, evenly chosen among `frames` (first and last always shown)."""
    if len(frames) != len(labels):
        raise ValueError(f"got {len(frames)} frames but {len(labels)} labels.")
    chosen = evenly_chosen(len(frames), max_frames)
    _, axes = plt.subplots(1, len(chosen), figsize=(size * len(chosen), size), squeeze=False)
    for ax, index in zip(axes[0], chosen, strict=True):
        _show_grid(ax, frames[index], labels[index])
    plt.tight_layout()
    plt.show()


def plot_class_histogram(shares, title="Classes the judge sees in the samples", floor=0.02):
    """Bar chart of the share of samples per class, with the coverage floor drawn in."""
    shares = np.asarray(shares)
    _, ax = plt.subplots(figsize=(6, 2.8))
    ax.bar(np.arange(len(shares)), shares, color="tab:blue")
    ax.axhline(1 / len(shares), color="gray", linestyle="--", label="uniform")
    ax.axhline(floor, color="tab:red", linestyle=":", label=f"{floor:.0%} floor")
    ax.set_xticks(np.arange(len(shares)))
    ax.set_xlabel("class predicted by the judge")
    ax.set_ylabel("share of samples")
    ax.set_title(title)
    ax.legend()
    plt.show()

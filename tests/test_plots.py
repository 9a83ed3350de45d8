"""The house theme: the stored style sheet draws as seaborn's theme does, without seaborn."""

from __future__ import annotations

import subprocess
import sys

import matplotlib as mpl
import pytest

from helpers import plots


@pytest.fixture
def restore_rc():
    saved = mpl.rcParams.copy()
    yield
    mpl.rcParams.update(saved)


def _settings() -> dict[str, str]:
    out = {key: str(value) for key, value in mpl.rcParams.items() if key != "image.cmap"}
    colors = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    out["axes.prop_cycle"] = str([mpl.colors.to_hex(c) for c in colors])
    return out


def test_house_style_equals_seaborns_theme(restore_rc):
    sns = pytest.importorskip("seaborn")
    mpl.rcdefaults()
    sns.set_theme(
        context="notebook", style="whitegrid", palette=list(plots.PALETTE), rc=plots.HOUSE_RC
    )
    seaborns = _settings()
    mpl.rcdefaults()
    plots.apply_theme()
    ours = _settings()
    differ = {k: (seaborns[k], ours[k]) for k in seaborns if seaborns[k] != ours[k]}
    assert not differ, (
        f"src/helpers/defaults/house.mplstyle no longer matches seaborn's theme: {differ}"
    )


def test_theme_is_idempotent(restore_rc):
    plots.apply_theme()
    once = _settings()
    plots.apply_theme()
    assert _settings() == once


def test_importing_plots_does_not_import_seaborn_or_scipy():
    code = "import sys, helpers.plots; print(sorted(m for m in ('seaborn', 'scipy.stats') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dense_scatter_is_rasterized_in_svg_and_sparse_one_is_not(tmp_path):
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (dense, sparse) = plt.subplots(1, 2)
    rng = np.random.default_rng(0)
    dense.scatter(rng.random(plots.DENSE_MARKS + 1), rng.random(plots.DENSE_MARKS + 1))
    sparse.scatter(rng.random(50), rng.random(50))
    assert plots.rasterize_dense(fig) == 1
    fig.savefig(tmp_path / "f.svg")
    svg = (tmp_path / "f.svg").read_text()
    plt.close(fig)
    assert svg.count("<image") == 1  # the dense points as one embedded image
    assert svg.count("<use ") >= 50  # the sparse points stay vector marks

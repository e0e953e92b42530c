"""The figures of lstm_lib.viz that the chapters draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from lstm_lib import viz  # noqa: E402


def test_draw_lstm_cell_labels_both_paths_and_every_gate():
    ax = viz.draw_lstm_cell()
    try:
        texts = {t.get_text() for t in ax.texts}
        for label in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$", "$i_t$", "$f_t$", "$g_t$", "$o_t$"):
            assert label in texts, f"the cell diagram has no label {label}"
        assert [t.get_text() for t in ax.texts].count(r"$\sigma$") == 3
        assert [t.get_text() for t in ax.texts].count(r"$\tanh$") == 2  # g_t and tanh(c_t)
        assert any("h_t = o_t" in t for t in texts)
        assert not ax.axison
    finally:
        plt.close(ax.figure)


def test_draw_lstm_cell_draws_on_the_axes_it_is_given():
    fig, ax = plt.subplots()
    try:
        assert viz.draw_lstm_cell(ax) is ax
        assert ax.patches
    finally:
        plt.close(fig)

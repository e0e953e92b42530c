"""The classic experiments' loops (lstm_lib.torch.experiments): shapes, seeds, learning, criteria."""

import numpy as np
import pytest
import torch

from lstm_lib.classics import adding_correct
from lstm_lib.tasks import REBER_SYMBOLS, adding_problem
from lstm_lib.torch import experiments as ex

torch.set_num_threads(1)


def test_chrono_init_sets_forget_bias_to_log_of_uniform_and_input_bias_to_its_negative():
    H, t_max = 64, 100
    model = ex.SequenceModel("lstm", 2, H, 1, chrono=t_max)
    b = model.rnn.bias_ih_l0.detach() + model.rnn.bias_hh_l0.detach()
    b_i, b_f = b[:H], b[H : 2 * H]
    assert torch.allclose(b_i, -b_f)
    assert float(b_f.min()) >= 0.0 and float(b_f.max()) <= np.log(t_max - 1) + 1e-6
    # the typical time a unit keeps its state, 1 / (1 - sigmoid(b_f)), spans 2 to t_max steps
    keep = 1 / (1 - torch.sigmoid(b_f))
    assert float(keep.max()) > 20


def test_chrono_init_refuses_an_rnn_and_a_short_horizon():
    with pytest.raises(ValueError, match="RNN has none"):
        ex.SequenceModel("rnn", 2, 4, 1, chrono=10)
    with pytest.raises(ValueError, match="t_max must be > 2"):
        ex.SequenceModel("lstm", 2, 4, 1, chrono=2)


@pytest.mark.parametrize("kind", ["lstm", "rnn", "no_forget_gate"])
def test_sequence_model_reads_the_last_real_step(kind):
    torch.manual_seed(0)
    model = ex.SequenceModel(kind, 2, 5, 3)
    task = adding_problem(4, 20, rng=0)
    x = torch.as_tensor(task.x, dtype=torch.float32)
    lengths = torch.as_tensor(task.lengths)
    out = model(x, lengths)
    assert out.shape == (4, 3)
    for b in range(4):  # each sequence alone, cut at its end
        alone, _ = model(x[b : b + 1, : lengths[b]])
        torch.testing.assert_close(out[b], alone[0, -1])
    garbage = x.clone()
    for b in range(4):
        garbage[b, lengths[b] :] = 7.0
    torch.testing.assert_close(model(garbage, lengths), out)


def test_sequence_model_carries_the_state_from_chunk_to_chunk():
    torch.manual_seed(0)
    model = ex.SequenceModel("vanilla", 7, 6, 7)
    x = torch.randn(3, 10, 7)
    whole, _ = model(x)
    first, state = model(x[:, :4])
    second, _ = model(x[:, 4:], state=state)
    torch.testing.assert_close(torch.cat([first, second], dim=1), whole)


def test_sequence_model_errors():
    with pytest.raises(ValueError, match="kind must be one of"):
        ex.SequenceModel("gru", 2, 4, 1)
    model = ex.SequenceModel("lstm", 2, 4, 1)
    with pytest.raises(ValueError, match=r"\(B, T, D\)"):
        model(torch.zeros(3, 2))
    with pytest.raises(ValueError, match="lengths"):
        model(torch.zeros(2, 5, 2), torch.tensor([5, 6]))


def test_adding_run_is_deterministic_and_scored_with_the_papers_criterion():
    a = ex.run_adding("lstm", T=20, hidden_size=8, steps=5, batch_size=8, n_test=50)
    b = ex.run_adding("lstm", T=20, hidden_size=8, steps=5, batch_size=8, n_test=50)
    assert a.losses.shape == (5,) and a.pred.shape == a.target.shape == a.correct.shape == (50,)
    np.testing.assert_array_equal(a.losses, b.losses)
    np.testing.assert_array_equal(a.pred, b.pred)
    np.testing.assert_array_equal(a.correct, adding_correct(a.pred, a.target))
    assert a.fraction_correct == a.correct.mean()
    c = ex.run_adding("lstm", T=20, hidden_size=8, steps=5, batch_size=8, n_test=50, seed=1)
    assert not np.array_equal(a.pred, c.pred)


def test_adding_lstm_learns_a_short_lag():
    r = ex.run_adding("lstm", T=20, hidden_size=16, steps=300, batch_size=32, n_test=200)
    assert r.losses[-30:].mean() < 0.2 * r.losses[:30].mean()
    assert r.fraction_correct > 0.5


def test_temporal_order_run_lowers_the_loss():
    r = ex.run_temporal_order(
        "lstm", hidden_size=16, steps=60, batch_size=32, length=(30, 34), t1=(3, 6), t2=(15, 20), n_test=100
    )
    assert r.predicted.shape == r.target.shape == (100,)
    assert set(np.unique(r.predicted)) <= {0, 1, 2, 3}
    assert r.losses[-10:].mean() < r.losses[:10].mean()
    assert r.accuracy == (r.predicted == r.target).mean()


def test_reber_batches_cut_continuing_streams():
    x, allowed = ex.reber_batches(3, 5, 4, rng=np.random.default_rng(0))
    assert x.shape == allowed.shape == (4, 3, 5, len(REBER_SYMBOLS))
    assert torch.all(x.sum(-1) == 1)  # one-hot
    stream = x.permute(1, 0, 2, 3).reshape(3, 20, 7)  # chunk k + 1 continues chunk k
    symbols = "".join(REBER_SYMBOLS[i] for i in stream[0].argmax(-1))
    assert symbols.startswith("B") and symbols[2] == "B"
    # the allowed set at every step contains the symbol that follows it
    nxt = stream[:, 1:].argmax(-1)
    allowed_stream = allowed.permute(1, 0, 2, 3).reshape(3, 20, 7)
    assert torch.all(allowed_stream[:, :-1].gather(-1, nxt.unsqueeze(-1)) == 1)


def test_reber_run_shapes_and_cell_state_record():
    r = ex.run_reber("vanilla", hidden_size=4, steps=3, n_streams=2, chunk=6, n_test_streams=2, test_length=30)
    assert r.losses.shape == (3,)
    assert r.correct.shape == (2, 30) and r.correct.dtype == bool
    assert r.cell_size.shape == (30,) and np.all(r.cell_size >= 0)
    assert (
        ex.run_reber("rnn", hidden_size=4, steps=2, n_streams=2, chunk=6, n_test_streams=1, test_length=10).cell_size
        is None
    )


def test_reber_without_forget_gate_cell_state_grows_over_the_stream():
    r = ex.run_reber("no_forget_gate", hidden_size=8, steps=30, n_streams=8, chunk=10, test_length=600)
    assert r.cell_size[-50:].mean() > 5 * r.cell_size[:50].mean()


def test_ablation_runs_every_variant_and_seed_under_one_budget():
    calls = []

    def run(variant, *, seed, steps):
        calls.append((variant, seed, steps))
        return {"score": len(variant) + seed}

    res = ex.run_ablation(run, lambda r: r["score"], ["vanilla", "no_output_gate"], [0, 1], steps=7)
    assert res.scores.tolist() == [[7, 8], [14, 15]]
    assert sorted(calls) == [("no_output_gate", 0, 7), ("no_output_gate", 1, 7), ("vanilla", 0, 7), ("vanilla", 1, 7)]
    with pytest.raises(ValueError, match="variants must be in"):
        ex.run_ablation(run, lambda r: 0, ["peephole"], [0], steps=1)


def test_budget_arguments_are_checked():
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        ex.run_adding("lstm", steps=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        ex.run_temporal_order("lstm", batch_size=2.5)


def test_chrono_init_reaches_a_variant_lstm_the_same_way():
    torch.manual_seed(0)
    model = ex.SequenceModel("coupled_input_forget", 7, 8, 7, chrono=50)
    b = model.rnn.bias_ih.detach() + model.rnn.bias_hh.detach()
    torch.testing.assert_close(b[:8], -b[8:16])
    assert float(b[8:16].min()) >= 0.0 and float(b[8:16].max()) <= np.log(49) + 1e-6

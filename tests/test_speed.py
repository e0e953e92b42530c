"""lstm_lib.speed: fair timing (interleaved, medians, threads restored) and runners that compute the same thing."""

import gc
import re
import time

import numpy as np
import pytest

from lstm_lib.speed import IMPLEMENTATIONS, Runner, lstm_runners, measure, threads

torch = pytest.importorskip("torch", reason="the runners' reference is torch.nn.LSTM")
cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def test_measure_returns_the_median_per_call_of_each_function():
    delays = iter([0.0] + [0.001, 0.001, 0.030, 0.001, 0.001])  # warm-up, then one slow round out of five

    def sometimes_slow():
        time.sleep(next(delays))

    result = measure({"sleep 5 ms": lambda: time.sleep(0.005), "mostly 1 ms": sometimes_slow}, rounds=5)
    assert list(result) == ["sleep 5 ms", "mostly 1 ms"]
    assert 0.004 < result["sleep 5 ms"] < 0.05
    assert 0.0009 < result["mostly 1 ms"] < 0.015  # the median ignores the 30 ms round


def test_measure_calls_each_function_once_to_warm_up_then_number_times_per_round_interleaved():
    log = []
    fns = {name: (lambda name=name: log.append(name)) for name in "abc"}
    measure(fns, rounds=4, number=2)
    assert log[:3] == ["a", "b", "c"]  # the warm-up, in order
    rounds = [log[3 + 6 * r : 9 + 6 * r] for r in range(4)]
    assert len(log) == 3 + 4 * 3 * 2
    for r in rounds:  # every function twice in a row, each once per round
        assert sorted(r) == ["a", "a", "b", "b", "c", "c"] and r[0] == r[1] and r[2] == r[3] and r[4] == r[5]
    assert len({tuple(r[::2]) for r in rounds}) > 1  # the order is shuffled from round to round


def test_measure_turns_the_garbage_collector_off_while_timing_and_restores_it():
    seen = []
    assert gc.isenabled()
    measure({"f": lambda: seen.append(gc.isenabled())}, rounds=3)
    assert seen[0] is True and seen[1:] == [False, False, False]  # warm-up with, rounds without
    assert gc.isenabled()


@pytest.mark.parametrize(
    "args, message",
    [
        (({},), "non-empty dict"),
        (({"f": 3},), "fns['f'] must be a function"),
        (({"f": print}, 0), "rounds must be a positive integer"),
        (({"f": print}, 3, 1.5), "number must be a positive integer"),
    ],
)
def test_measure_rejects_bad_arguments_with_a_clear_message(args, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        measure(*args)


def test_threads_limits_torch_and_blas_inside_the_block_and_restores_them():
    from threadpoolctl import threadpool_info

    torch_before = torch.get_num_threads()
    blas_before = [pool["num_threads"] for pool in threadpool_info()]
    with threads(1):
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
    assert torch.get_num_threads() == torch_before
    assert [pool["num_threads"] for pool in threadpool_info()] == blas_before
    with pytest.raises(ValueError, match="positive number of threads"):
        with threads(0):
            pass


def _as_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def _check_same(runners, rtol, atol):
    """Every runner's outputs and gradients equal the NumPy reference's (or the first runner's)."""
    outputs = {
        name: (_as_numpy(r.forward()), {k: _as_numpy(v) for k, v in r.forward_backward().items()})
        for name, r in runners.items()
    }
    ref_name = next(iter(outputs))
    ref_out, ref_grads = outputs[ref_name]
    for name, (out, grads) in outputs.items():
        assert out.shape == ref_out.shape, name
        np.testing.assert_allclose(out, ref_out, rtol=rtol, atol=atol, err_msg=f"{name}: hidden states")
        assert set(grads) == {"x", "weight_ih", "weight_hh", "bias_ih", "bias_hh"}, name
        for key, g in grads.items():
            np.testing.assert_allclose(
                g, ref_grads[key], rtol=rtol, atol=atol, err_msg=f"{name}: gradient of {key} differs from {ref_name}'s"
            )
    return outputs


def test_every_runner_computes_the_same_outputs_and_gradients_in_float64():
    runners = lstm_runners(3, 5, 2, 4, dtype="float64", seed=1)
    assert list(runners) == list(IMPLEMENTATIONS)
    assert all(isinstance(r, Runner) for r in runners.values())
    outputs = _check_same(runners, rtol=1e-10, atol=1e-12)
    out, grads = outputs["lstm_lib.numpy (reference)"]
    assert out.shape == (3, 5, 4) and out.dtype == np.float64
    assert grads["x"].shape == (3, 5, 2) and grads["weight_ih"].shape == (16, 2)
    assert np.abs(grads["weight_hh"]).max() > 0  # a real gradient, not zeros


def test_runners_keep_float32_and_the_same_seed_gives_the_same_problem():
    a = lstm_runners(2, 3, 2, 3, dtype=np.float32, include=["lstm_lib.numpy.fast", "nn.LSTM"])
    b = lstm_runners(2, 3, 2, 3, dtype=torch.float32, include=["lstm_lib.numpy.fast"])
    assert list(a) == ["lstm_lib.numpy.fast", "nn.LSTM"]
    assert a["lstm_lib.numpy.fast"].forward().dtype == np.float32
    assert a["nn.LSTM"].forward().dtype == torch.float32
    np.testing.assert_array_equal(a["lstm_lib.numpy.fast"].forward(), b["lstm_lib.numpy.fast"].forward())
    _check_same(a, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"dtype": "float16"}, "dtype must be float32 or float64"),
        ({"device": "tpu"}, "device must be 'cpu' or 'cuda'"),
        ({"include": ["nn.GRU"]}, r"unknown implementation\(s\) \['nn.GRU'\]"),
        ({"B": 0}, "B must be a positive integer"),
    ],
)
def test_lstm_runners_rejects_bad_arguments_with_a_clear_message(kwargs, message):
    shape = {"B": 2, "T": 3, "D": 2, "H": 3}
    with pytest.raises(ValueError, match=message):
        lstm_runners(**{**shape, **kwargs})


@pytest.mark.cuda
@cuda
def test_cuda_runners_compute_what_the_cpu_reference_computes():
    runners = lstm_runners(3, 5, 2, 4, device="cuda", dtype="float64", seed=1)
    assert list(runners) == ["lstm_lib.torch", "nn.LSTM"]  # NumPy stays on the CPU
    assert runners["nn.LSTM"].forward().device.type == "cuda"
    cpu = lstm_runners(3, 5, 2, 4, dtype="float64", seed=1, include=["lstm_lib.numpy (reference)"])
    _check_same(cpu | runners, rtol=1e-9, atol=1e-11)
    with pytest.raises(ValueError, match="run on the CPU only"):
        lstm_runners(3, 5, 2, 4, device="cuda", include=["lstm_lib.numpy.fast"])


def test_measure_leaves_no_object_frozen_out_of_the_garbage_collector():
    before = gc.get_freeze_count()
    measure({"f": lambda: [0] * 10}, rounds=2)
    assert gc.get_freeze_count() == before

"""Plausible mistakes in ``numpy_to_state_dict``: each is the solution with one thing changed."""

from . import mistake

CONTEXT = ("import torch",)

OK = """
def numpy_to_state_dict(params_list):
    layers = [params_list] if isinstance(params_list, dict) else params_list
    state = {}
    for layer, entry in enumerate(layers):
        directions = entry if isinstance(entry, (tuple, list)) else (entry,)
        for direction, params in enumerate(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
            for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                state[key + suffix] = torch.tensor(params[key])
    return state
"""

SUFFIX = 'suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")'
VALUE = "state[key + suffix] = torch.tensor(params[key])"


def changed(name, *edits, expect, held_out=False):
    src = OK
    for old, new in edits:
        assert old in src, old
        src = src.replace(old, new)
    return mistake("numpy_to_state_dict", name, src, expect=expect, held_out=held_out)


MISTAKES = [
    changed("no layer suffix", (SUFFIX, 'suffix = "_reverse" if direction == 1 else ""'), expect="no layer suffix"),
    changed(
        "layers counted from 1",
        (SUFFIX, 'suffix = f"_l{layer + 1}" + ("_reverse" if direction == 1 else "")'),
        expect="off by one",
    ),
    changed(
        "reverse on the forward direction",
        (SUFFIX, 'suffix = f"_l{layer}" + ("_reverse" if direction == 0 and len(directions) == 2 else "")'),
        expect="_reverse is on the wrong direction",
    ),
    changed(
        "transposed weights", (VALUE, "state[key + suffix] = torch.tensor(params[key].T.copy())"), expect="transposed"
    ),
    changed(
        "gate blocks as i, f, o, g",
        (
            VALUE,
            "a = params[key]\n                H = a.shape[0] // 4\n"
            "                a = np.concatenate([a[:2 * H], a[3 * H:], a[2 * H:3 * H]])\n"
            "                state[key + suffix] = torch.tensor(a)",
        ),
        expect="gate blocks are reordered",
    ),
    changed(
        "float64 tensors",
        (VALUE, "state[key + suffix] = torch.tensor(params[key], dtype=torch.float64)"),
        expect="dtype",
    ),
    changed("torch.Tensor makes float32", (VALUE, "state[key + suffix] = torch.Tensor(params[key])"), expect="dtype"),
    changed("numpy arrays, not tensors", (VALUE, "state[key + suffix] = params[key].copy()"), expect="NumPy arrays"),
    changed(
        "bias names swapped",
        (
            'for key in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):\n'
            "                state[key + suffix] = torch.tensor(params[key])",
            'for key, name in (("weight_ih", "weight_ih"), ("weight_hh", "weight_hh"), '
            '("bias_ih", "bias_hh"), ("bias_hh", "bias_ih")):\n'
            "                state[name + suffix] = torch.tensor(params[key])",
        ),
        expect="bias_ih and bias_hh are swapped",
    ),
    changed(
        "backward direction dropped",
        ("for direction, params in enumerate(directions):", "for direction, params in enumerate(directions[:1]):"),
        expect="backward direction is missing",
    ),
    changed(
        "only the first layer",
        ("for layer, entry in enumerate(layers):", "for layer, entry in enumerate(layers[:1]):"),
        expect="which layers",
        held_out=True,
    ),
    changed(
        "weight_hh copied into weight_ih",
        (
            VALUE,
            'state[key + suffix] = torch.tensor(params["weight_hh"] '
            'if key == "weight_ih" and params["weight_ih"].shape == '
            'params["weight_hh"].shape else params[key])',
        ),
        expect="the values under",
        held_out=True,
    ),
]

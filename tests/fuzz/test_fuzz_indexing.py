"""Fuzz: get and set indexing with ints, slices, None, Ellipsis, Python bools, integer
arrays and boolean masks, on random shapes and layouts, against NumPy (PyTorch follows
NumPy's rules for every key drawn here)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import cygrad
from fuzzutil import VIEWS, as_view, assert_same, fuzz, seeds, torch_or_none, values


@st.composite
def keys(draw, shape):
    """A key for an array of ``shape``: basic items for some dims, advanced for others."""
    items, dim = [], 0
    ell = False
    for _ in range(draw(st.integers(0, len(shape) + 2))):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "bool", "array",
                                     "mask"]))
        if kind == "none":
            items.append(None)
        elif kind == "bool":
            items.append(draw(st.booleans()))
        elif kind == "ellipsis" and not ell:
            items.append(Ellipsis)
            ell = True
            dim = len(shape) - sum(1 for i in items if _consumes(i)) + dim   # rest
        elif dim < len(shape):
            n = shape[dim]
            if kind == "int" and n:
                items.append(draw(st.integers(-n, n - 1)))
            elif kind == "array" and n:
                items.append(draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=3)))
            elif kind == "mask":
                items.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                                      dtype=bool))
            else:
                start = draw(st.integers(-n - 1, n + 1))
                stop = draw(st.integers(-n - 1, n + 1))
                items.append(slice(start, stop, draw(st.integers(1, 3))))
            dim += 1
    return tuple(items)


def _consumes(item):
    return item is not None and item is not Ellipsis and not isinstance(item, bool)


def _as_cygrad_key(key):
    return tuple(cygrad.from_numpy(i) if isinstance(i, np.ndarray) else i for i in key)


def _int_with_advanced(key):
    return any(type(i) is int for i in key) and any(
        isinstance(i, (bool, list, np.ndarray)) for i in key)


def _reference_get(a, key):
    """``a[key]`` by PyTorch when it is installed, else by NumPy; with an error instead.

    The two differ in one corner drawn here: NumPy treats an integer as an advanced index
    when the key has another advanced index (a Python bool counts as one), PyTorch keeps it
    a basic one, so the result's dims can be ordered differently. Without PyTorch such keys
    are skipped (None, None)."""
    torch = torch_or_none()
    if torch is not None:
        tkey = tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else
                     (torch.tensor(i, dtype=torch.int64) if isinstance(i, list) else i)
                     for i in key)
        try:
            return torch.from_numpy(a.copy())[tkey].numpy(), None
        except IndexError as e:
            return None, e
    if _int_with_advanced(key):
        return None, None
    try:
        return a[key], None
    except IndexError as e:
        return None, e


@fuzz
@given(st.data(), st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple),
       st.sampled_from(VIEWS), seeds)
def test_get_and_set(data, shape, view, seed):
    rng = np.random.default_rng(seed)
    a = values(rng, shape, np.float64)
    key = data.draw(keys(shape))
    expected, err = _reference_get(a, key)
    if expected is None and err is None:
        return
    t = as_view(a, view, rng)
    ck = _as_cygrad_key(key)
    if err is not None:
        with pytest.raises(IndexError):
            t[ck]
        return
    assert_same(t[ck], expected)
    # set a broadcastable value at the same positions (NumPy's rule unless the int/bool
    # corner above is in the key, where the positions are PyTorch's)
    if _int_with_advanced(key):
        return
    b = a.copy()
    value = rng.standard_normal(np.shape(expected)[-1:] if np.ndim(expected) else ())
    b[key] = value
    u = cygrad.from_numpy(a.copy())
    u[ck] = cygrad.from_numpy(np.array(value))
    assert_same(u, b)
    # and a number
    c = a.copy()
    c[key] = 7.5
    w = cygrad.from_numpy(a.copy())
    w[ck] = 7.5
    assert_same(w, c)

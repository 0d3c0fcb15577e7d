"""The vectorised transcendentals of ``_vecmath.h``: at most 2 ulp from the correctly rounded
result over dense sweeps of each function's domain (a float64 reference for float32, long
double for float64), contiguous and strided operands alike, and PyTorch's values on inf,
-inf, NaN, signed zeros and denormals."""
import math

import numpy as np
import pytest

import cygrad
from conftest import from_np, to_numpy

F32, F64 = np.float32, np.float64
TINY32 = [1e-45, 3e-45, 1e-40, 1.1754942e-38, 1.1754944e-38]
TINY64 = [5e-324, 1e-310, 2.2250738585072009e-308, 2.2250738585072014e-308]


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name: (reference on float64 / long double arrays, sweep range, extra points)
CASES = {
    "exp": (np.exp, (-104.0, 88.7), [88.72283, 88.72284, -103.9, -87.5]),
    "exp2": (np.exp2, (-151.0, 128.0), [127.99999, 128.0, -126.0, -149.0, -150.0, -149.5]),
    "expm1": (np.expm1, (-30.0, 88.72), [0.3465, 0.3466, -0.3466, 1e-7, -1e-7, -17.0, -18.0]),
    "log": (np.log, (0.0, 3.4e38), [0.70710677, 0.7071068, 1.0, 1.0000001, 0.99999994]),
    "log2": (np.log2, (0.0, 3.4e38), [2.0, 0.5, 1024.0, 0.70710677, 3.0]),
    "log10": (np.log10, (0.0, 3.4e38), [10.0, 100.0, 0.1, 1e-30, 1e30]),
    "log1p": (np.log1p, (-0.99999994, 3.4e38), [-0.5, -0.2929, 0.4142, 1.0, 1e-8, -1e-8]),
    "sin": (np.sin, (-65536.0, 65536.0), [math.pi, -math.pi, math.pi / 2, 1e-20, 65536.0]),
    "cos": (np.cos, (-65536.0, 65536.0), [math.pi, math.pi / 2, -math.pi / 2, 1e-20]),
    "sigmoid": (_sigmoid, (-110.0, 110.0), [-88.0, -100.0, 16.0, 17.0]),
    "tanh": (np.tanh, (-12.0, 12.0), [0.625, -0.625, 9.0]),
    "tan": (np.tan, (-65536.0, 65536.0), [math.pi / 2, -math.pi / 2, math.pi / 4, 1e-20]),
    "atan": (np.arctan, (-3.4e38, 3.4e38), [1.0, -1.0, 0.41421357, 0.41421354, 1e-30]),
    "asin": (np.arcsin, (-1.0, 1.0), [0.5, -0.5, 0.50000006, 0.99999994, 1e-30]),
    "acos": (np.arccos, (-1.0, 1.0), [0.5, -0.5, 0.49999997, 0.99999994, -0.99999994]),
    "sinh": (np.sinh, (-89.5, 89.5), [89.41599, 89.416, 1e-30, 0.999, 1.001]),
    "cosh": (np.cosh, (-89.5, 89.5), [89.41599, 89.416, 1e-30, 0.999, 1.001]),
    "asinh": (np.arcsinh, (-3.4e38, 3.4e38), [2.0**28, 2.0**28 + 32, 1e-30, 1.0, -1.0]),
    "acosh": (np.arccosh, (1.0, 3.4e38), [1.0, 1.0000001, 2.0, 1e30, 1.1e30]),
    "atanh": (np.arctanh, (-1.0, 1.0), [0.99999994, -0.99999994, 0.5, 1e-30]),
}
F64_CASES = {
    "exp": (np.exp, (-745.2, 709.79), [709.78, 709.7827, -745.13, -708.4, -740.0]),
    "log": (np.log, (0.0, 1.7e308), [0.7071067811865475, 1.0, 1.0000000000000002]),
    "sigmoid": (_sigmoid, (-746.0, 746.0), [-709.0, -710.0, -745.0, 37.0, 40.0]),
    "log1p": (np.log1p, (-0.9999999999999999, 1.7e308), [-0.5, 1e-17, -1e-17, 1.0, 2.0**53]),
    "expm1": (np.expm1, (-50.0, 709.78), [0.3465, -0.3466, 1e-17, -37.0, -38.0, 709.7]),
    "tanh": (np.tanh, (-25.0, 25.0), [0.55, -0.55, 19.0, 1e-300]),
    "log2": (np.log2, (0.0, 1.7e308), [2.0, 0.5, 1024.0, 0.7071067811865476, 3.0]),
    "log10": (np.log10, (0.0, 1.7e308), [10.0, 100.0, 0.1, 1e-300, 1e300]),
    "exp2": (np.exp2, (-1080.0, 1024.0), [1023.9999, 1024.0, -1022.0, -1074.0, -1075.0]),
    "sinh": (np.sinh, (-711.0, 711.0), [710.4758600739439, 710.476, 709.78, 1.0, 0.9999999999999999,
                                        1e-300, 0.5]),
    "cosh": (np.cosh, (-711.0, 711.0), [710.4758600739439, 710.476, 709.78, 1.0, 1e-300, 0.5]),
    "atan": (np.arctan, (-1.7e308, 1.7e308), [0.4375, 0.43749999999999994, 0.6875, 1.1875, 2.4375,
                                              2.4374999999999996, 1.0, 1e-300]),
    "asin": (np.arcsin, (-1.0, 1.0), [0.5, 0.5000000000000001, 0.9999999999999999, 0.975, 1e-300]),
    "acos": (np.arccos, (-1.0, 1.0), [0.5, -0.5, 0.5000000000000001, -0.5000000000000001,
                                      0.9999999999999999, -0.9999999999999999]),
    "asinh": (np.arcsinh, (-1.7e308, 1.7e308), [2.0**28, 2.0**28 + 64, 2.0, 1.0, 1e-300, 1e154,
                                                1e155]),
    "acosh": (np.arccosh, (1.0, 1.7e308), [1.0, 1.0000000000000002, 2.0, 2.0**28, 2.0**28 + 64,
                                           1e155]),
    "atanh": (np.arctanh, (-1.0, 1.0), [0.5, 0.49999999999999994, 0.9999999999999999, 1e-300]),
    "sin": (np.sin, (-2e6, 2e6), [math.pi, -math.pi, math.pi / 2, 1e-300, 6381956970095103.0 / 2**33,
                                  0.7853981633974483, 0.7853981633974484, 1e6, 1.0000000000000002e6]),
    "cos": (np.cos, (-2e6, 2e6), [math.pi, math.pi / 2, -math.pi / 2, 1e-300, 0.7853981633974483,
                                  2.356194490192345, 1e6]),
    "tan": (np.tan, (-2e6, 2e6), [math.pi / 2, -math.pi / 2, math.pi / 4, 1e-300, math.pi,
                                  3 * math.pi / 4, 1e6]),
}
SPECIALS = [np.inf, -np.inf, np.nan, 0.0, -0.0, 1.0, -1.0]
# beyond the sweeps: the arguments the loops hand to libm (sin and cos)
LARGE = [1e5, -1e5, 1e10, 3.4e38, -3.4e38]


def _sweep(dtype, lo, hi, n):
    """n points evenly spaced over the bit patterns of [lo, hi] (each sign separately), so
    every binade (denormals included) is sampled as densely as its neighbours."""
    it = np.int32 if dtype is F32 else np.int64

    def over(a, b):
        ia, ib = np.array([a, b], dtype).view(it)
        return np.linspace(ia, ib, n).astype(it).view(dtype)
    parts = []
    if hi > 0:
        parts.append(over(max(lo, 0.0), hi))
    if lo < 0:
        parts.append(-over(max(-hi, 0.0), -lo))
    return np.unique(np.concatenate(parts))


def _ulp_error(got, x, ref, dtype):
    """|got - ref| in units of the last place of ref rounded to dtype."""
    wide = np.longdouble if dtype is F64 else F64
    with np.errstate(all="ignore"):         # log(0), overflow to inf in the reference
        exact = ref(x.astype(wide))
        rounded = exact.astype(dtype)
        spacing = np.spacing(np.abs(rounded)).astype(wide)
        spacing = np.maximum(spacing, np.finfo(dtype).smallest_subnormal)
        fin = np.isfinite(rounded)
        err = np.where(fin, np.abs(got.astype(wide) - exact) / spacing, 0).astype(F64)
    return err, rounded


def _check_sweep(name, dtype, ref, span, extra):
    n = 1_000_000 if dtype is F32 else 400_000
    x = np.concatenate([_sweep(dtype, *span, n), np.array(extra, dtype),
                        np.array(TINY32 if dtype is F32 else TINY64, dtype)])
    x = x[(x >= span[0]) & (x <= span[1])] if name not in ("log", "log2", "log10") else x
    fn = getattr(cygrad, name)
    strided = from_np(np.repeat(x, 2))[::2]
    for got in (to_numpy(fn(from_np(x))), to_numpy(fn(strided))):
        err, exact = _ulp_error(got, x, ref, dtype)
        worst = int(err.argmax())
        assert err.max() <= 2.0, (
            f"{name}({x[worst]!r}) = {got[worst]!r}, {err.max():.2f} ulp from {exact[worst]}")
        # results that round to inf in this dtype are exactly that
        inf = ~np.isfinite(exact)
        assert np.array_equal(got[inf], exact[inf], equal_nan=True)


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_within_two_ulp(name):
    ref, span, extra = CASES[name]
    _check_sweep(name, F32, ref, span, extra)


@pytest.mark.parametrize("name", sorted(F64_CASES))
def test_float64_within_two_ulp(name):
    ref, span, extra = F64_CASES[name]
    _check_sweep(name, F64, ref, span, extra)


def _expected_special(name, v, dtype):
    """The IEEE result of the function at v, from NumPy in float64 (log of a negative
    number: NaN)."""
    ref = (F64_CASES if dtype is F64 and name in F64_CASES else CASES)[name][0]
    with np.errstate(all="ignore"):
        return np.array(ref(np.array([v], F64)), F64).astype(dtype)[0]


def _same_value(a, b):
    if np.isnan(b):
        return bool(np.isnan(a))
    if b == 0 or np.isinf(b):
        return a == b and np.signbit(a) == np.signbit(b)
    return abs(float(a) - float(b)) <= 2 * float(np.spacing(np.abs(b)))


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_special_values(name, dtype):
    if dtype is F64 and name not in F64_CASES:
        pytest.skip("float64 uses libm")
    tiny = TINY32 if dtype is F32 else TINY64
    vals = SPECIALS + tiny + [-t for t in tiny] + LARGE
    x = np.array(vals, dtype)
    ordinary = np.linspace(0.1, 0.9, 300).astype(dtype)
    # all together (sin / cos send that block to libm), then each one among ordinary values
    # (the vector path)
    together = to_numpy(getattr(cygrad, name)(from_np(x)))
    for v, g in zip(x, together):
        alone = to_numpy(getattr(cygrad, name)(from_np(np.concatenate([[v], ordinary]))))[0]
        want = _expected_special(name, v, dtype)
        for got in (g, alone):
            assert _same_value(got, want), f"{name}({v!r}) = {got!r}, expected {want!r}"


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_special_values_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    tiny = TINY32 if dtype is F32 else TINY64
    x = np.array(SPECIALS + tiny + [-t for t in tiny] + LARGE, dtype)
    got = to_numpy(getattr(cygrad, name)(from_np(x)))
    want = getattr(torch, name)(torch.from_numpy(x)).numpy()
    for v, g, w in zip(x, got, want):
        if not np.isfinite(w) or w == 0:
            # PyTorch flushes some denormal results to zero (log1p(1e-45) = 0): there the
            # correctly rounded denormal is kept
            exact = _expected_special(name, v, dtype)
            assert _same_value(g, w) or (w == 0 and _same_value(g, exact)), (
                f"{name}({v!r}) = {g!r}, torch gives {w!r}")


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_trig_blocks_with_large_arguments_use_the_exact_reduction(name, dtype):
    # one large argument sends its block of 256 to libm; its neighbours stay right, in place too
    x = np.random.default_rng(0).uniform(-10, 10, 1000).astype(dtype)
    x[300] = 1e30
    x[700] = np.nan
    wide = F64 if dtype is F32 else np.longdouble
    ref = getattr(np, name)(x.astype(wide))
    t = from_np(x.copy())
    got = to_numpy(getattr(cygrad, name)(t))
    assert np.isnan(got[700])
    keep = np.arange(1000) != 700
    err = np.abs(got[keep].astype(wide) - ref[keep]) / np.spacing(np.abs(ref[keep]).astype(dtype))
    assert err.max() <= 2.0
    getattr(t, name + "_")()
    assert np.array_equal(to_numpy(t), got, equal_nan=True)


@pytest.mark.parametrize("name", ["sin", "cos", "tan"])
def test_float64_trig_near_multiples_of_half_pi(name):
    # the doubles nearest k pi / 2 lose most of their digits in a three-part reduction; their
    # blocks go to libm, and every result is within 2 ulp of the long double one
    k = np.concatenate([np.arange(1, 2000), np.arange(600_000, 601_000)])
    x = np.concatenate([k * (math.pi / 2), np.nextafter(k * (math.pi / 2), 0)])
    x = np.concatenate([x, -x])
    got = to_numpy(getattr(cygrad, name)(from_np(x)))
    err, _ = _ulp_error(got, x, getattr(np, name), F64)
    assert err.max() <= 2.0, f"{err.max():.2f} ulp at {x[err.argmax()]!r}"


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_erfinv_within_two_ulp(dtype):
    # a first guess refined by Newton steps on erf / erfc (``cg_erfinv``), up to 1 - 2^-53
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    rng = np.random.default_rng(3)
    eps = np.finfo(dtype).eps
    x = np.concatenate([rng.uniform(-1, 1, 1500), 1 - np.geomspace(eps / 2, 0.5, 300),
                        -(1 - np.geomspace(eps / 2, 0.5, 200)),
                        np.geomspace(1e-300 if dtype is F64 else 1e-38, 1e-3, 100)]).astype(dtype)
    got = to_numpy(cygrad.erfinv(from_np(x)))
    exact = np.array([float(mp.erfinv(mp.mpf(float(v)))) for v in x])
    spacing = np.maximum(np.spacing(np.abs(exact.astype(dtype))).astype(F64),
                         np.finfo(dtype).smallest_subnormal)
    err = np.abs(got.astype(F64) - exact) / spacing
    assert err.max() <= 2.0, f"erfinv({x[err.argmax()]!r}): {err.max():.2f} ulp"


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_float64_erf_erfc_within_two_ulp(name):
    # the vector erf / erfc (``cg_erf_pair``): a polynomial below 0.84375, exp(-x^2) erfcx(x)
    # above, over every interval of erfcx's fit and into erfc's subnormal results
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    span = (-6.5, 6.5) if name == "erf" else (-6.5, 27.5)
    edges = [0.84375, 1.6875, 3.375, 6.75, 13.5, 26.5, 27.2, 27.3]
    x = np.concatenate([_sweep(F64, *span, 12_000), np.array(edges), -np.array(edges[:4]),
                        np.nextafter(np.array(edges), 0), np.array(TINY64)])
    got = to_numpy(getattr(cygrad, name)(from_np(x)))
    fn = getattr(mp, name)
    exact = [fn(mp.mpf(float(v))) for v in x]
    rounded = np.array([float(e) for e in exact])
    spacing = np.maximum(np.spacing(np.abs(rounded)), np.finfo(F64).smallest_subnormal)
    err = np.array([float(abs(mp.mpf(float(g)) - e)) for g, e in zip(got, exact)]) / spacing
    assert err.max() <= 2.0, f"{name}({x[err.argmax()]!r}): {err.max():.2f} ulp"


def test_float32_erfc_within_two_ulp():
    # computed in float64 by the vector erfc, one rounding to float32
    x = _sweep(F32, -4.0, 10.1, 300_000)
    got = to_numpy(cygrad.erfc(from_np(x))).astype(F64)
    exact = np.array([math.erfc(float(v)) for v in x])
    rounded = exact.astype(F32)
    spacing = np.maximum(np.spacing(np.abs(rounded)).astype(F64), np.finfo(F32).smallest_subnormal)
    err = np.abs(got - exact) / spacing
    assert err.max() <= 2.0, f"erfc({x[err.argmax()]!r}): {err.max():.2f} ulp"


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_erf_family_special_values(name, dtype):
    tiny = TINY32 if dtype is F32 else TINY64
    vals = SPECIALS + tiny + [-t for t in tiny] + [27.0, 28.0, -6.0, 0.5, -0.5, 1e300 if dtype
                                                   is F64 else 1e30, 2.0, -2.0]
    x = np.array(vals, dtype)
    ordinary = np.linspace(0.1, 0.9, 300).astype(dtype)
    ref = {"erf": math.erf, "erfc": math.erfc}.get(name)
    together = to_numpy(getattr(cygrad, name)(from_np(x)))
    for v, g in zip(x, together):
        alone = to_numpy(getattr(cygrad, name)(from_np(np.concatenate([[v], ordinary]))))[0]
        fv = float(v)
        if name == "erfinv":
            want = (math.nan if math.isnan(fv) or abs(fv) > 1 else
                    math.copysign(math.inf, fv) if abs(fv) == 1 else None)
            if want is None:
                continue                  # ordinary values: test_erfinv_within_two_ulp
        else:
            want = ref(fv)
        want = dtype(want)
        for got in (g, alone):
            assert _same_value(got, want), f"{name}({v!r}) = {got!r}, expected {want!r}"
    if name == "erfinv":
        z = to_numpy(cygrad.erfinv(from_np(np.array([0.0, -0.0], dtype))))
        assert list(np.signbit(z)) == [False, True] and not z.any()


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv"])
def test_erf_family_matches_torch(name, dtype):
    torch = pytest.importorskip("torch")
    x = np.concatenate([np.array(SPECIALS + [27.0, -6.0, 0.999, -0.999], dtype),
                        np.random.default_rng(1).uniform(-1, 1, 500).astype(dtype) *
                        (1 if name == "erfinv" else 6)])
    got = to_numpy(getattr(cygrad, name)(from_np(x)))
    want = getattr(torch, name)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=8 * np.finfo(dtype).eps, atol=0, equal_nan=True)
    assert np.array_equal(np.signbit(got[np.isinf(want)]), np.signbit(want[np.isinf(want)]))


@pytest.mark.parametrize("b", [0.5, -0.5, 1.0, -1.0, 2.0, 3.0, -2.0])
def test_float64_pow_special_exponents_within_two_ulp(b):
    a = np.concatenate([_sweep(F64, 1e-100, 1e100, 100_000), -_sweep(F64, 1e-6, 1e6, 10_000)])
    if b != int(b):
        a = a[a > 0]
    with np.errstate(all="ignore"):
        exact = a.astype(np.longdouble) ** np.longdouble(b)
    got = to_numpy(from_np(a) ** float(b))
    err = np.abs(got.astype(np.longdouble) - exact) / np.spacing(np.abs(exact).astype(F64))
    assert float(err.max()) <= 2.0, f"{a[err.argmax()]!r} ** {b}: {float(err.max()):.2f} ulp"


@pytest.mark.parametrize("b", [1.7, -1.3, 0.5, -0.5, 1.0, -1.0, 2.0, 3.0, -2.0, 10.0, 0.1, 7.0])
def test_float32_pow_within_two_ulp(b):
    # the vector pow: exp(b log|a|) in float64, products / sqrt for PyTorch's special exponents
    a = np.concatenate([_sweep(F32, 1e-30, 1e30, 200_000), -_sweep(F32, 1e-6, 1e6, 20_000)])
    if b != int(b):
        a = a[a > 0]                     # negative bases with fractional exponents: NaN
    with np.errstate(all="ignore"):
        exact = a.astype(F64) ** F64(F32(b))
        keep = np.isfinite(exact.astype(F32)) & (np.abs(exact) >= 1e-37)
    a, exact = a[keep], exact[keep]
    for got in (to_numpy(from_np(a) ** float(b)),                       # one exponent
                to_numpy(from_np(a) ** from_np(np.full(a.shape, b, F32)))):  # a tensor
        err = np.abs(got.astype(F64) - exact) / np.spacing(np.abs(exact).astype(F32)).astype(F64)
        assert err.max() <= 2.0, f"{a[err.argmax()]!r} ** {b}: {err.max():.2f} ulp"


@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_pow_special_values_match_numpy_and_torch(dtype):
    vals = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, 3.0, np.inf, -np.inf, np.nan, 1e-45,
            3e38]
    a, b = (np.array(v, dtype) for v in zip(*[(x, y) for x in vals for y in vals]))
    ordinary = np.linspace(0.5, 2.0, 300).astype(dtype)
    got = to_numpy(from_np(a) ** from_np(b))
    with np.errstate(all="ignore"):
        want = (a.astype(np.longdouble) ** b.astype(np.longdouble)).astype(dtype)
    for x, y, g, w in zip(a, b, got, want):
        assert _same_value(g, w), f"{x!r} ** {y!r} = {g!r}, expected {w!r}"
        # the same pair inside a block of ordinary bases (a scalar exponent)
        alone = to_numpy(from_np(np.concatenate([[x], ordinary])) ** float(y))[0]
        assert _same_value(alone, w), f"{x!r} ** {float(y)!r} = {alone!r}, expected {w!r}"
    torch = pytest.importorskip("torch")
    tw = (torch.from_numpy(a) ** torch.from_numpy(b)).numpy()
    for x, y, g, w in zip(a, b, got, tw):
        if not np.isfinite(w) or w == 0:
            assert _same_value(g, w), f"{x!r} ** {y!r} = {g!r}, torch gives {w!r}"

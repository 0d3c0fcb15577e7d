"""Kernels on a shared machine: the same cases with 0, 1 or 3 busy-loop processes beside them.

Each busy process is a Python interpreter spinning forever (another user's work: a test
runner, a second notebook, a DataLoader worker). On a 2-core machine one of them takes about
one core away, so a kernel may fairly slow down about 2x; more threads must never make it
slower than fewer. Compare the ``busy`` rows of one library against its ``busy=0`` row, and
``threads=2`` against ``threads=1``.
"""
import subprocess
import sys

from .common import random_array, set_threads, torch_only, trio

try:
    from threadpoolctl import threadpool_limits
except ImportError:  # NumPy's BLAS then keeps its default threads
    threadpool_limits = None

_SPIN = "while True: pass"


class BusyMachine:
    """1M add, sum and exp; a 512 matmul and a (256,784)@(784,256) layer; float32."""

    params = [[0, 1, 3], [1, 2]]
    param_names = ["busy", "threads"]
    timeout = 120

    def setup(self, busy, threads):
        set_threads(threads)
        self._limits = threadpool_limits(threads, user_api="blas") if threadpool_limits else None
        self.x_np, self.x_cg, self.x_th = trio(random_array((1_000_000,)))
        self.a_np, self.a_cg, self.a_th = trio(random_array((512, 512)))
        self.b_np, self.b_cg, self.b_th = trio(random_array((512, 512)))
        self.l_np, self.l_cg, self.l_th = trio(random_array((256, 784)))
        self.w_np, self.w_cg, self.w_th = trio(random_array((784, 256)))
        self._busy = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(busy)]

    def teardown(self, busy, threads):
        for p in self._busy:
            p.kill()
            p.wait()
        if self._limits is not None:
            self._limits.unregister()

    def time_add_cygrad(self, busy, threads):
        self.x_cg + self.x_cg

    def time_add_numpy(self, busy, threads):
        self.x_np + self.x_np

    @torch_only
    def time_add_torch(self, busy, threads):
        self.x_th + self.x_th

    def time_sum_cygrad(self, busy, threads):
        self.x_cg.sum()

    def time_sum_numpy(self, busy, threads):
        self.x_np.sum()

    @torch_only
    def time_sum_torch(self, busy, threads):
        self.x_th.sum()

    def time_exp_cygrad(self, busy, threads):
        self.x_cg.exp()

    def time_exp_numpy(self, busy, threads):
        import numpy as np
        np.exp(self.x_np)

    @torch_only
    def time_exp_torch(self, busy, threads):
        self.x_th.exp()

    def time_matmul512_cygrad(self, busy, threads):
        self.a_cg @ self.b_cg

    def time_matmul512_numpy(self, busy, threads):
        self.a_np @ self.b_np

    @torch_only
    def time_matmul512_torch(self, busy, threads):
        self.a_th @ self.b_th

    def time_layer_cygrad(self, busy, threads):
        self.l_cg @ self.w_cg

    def time_layer_numpy(self, busy, threads):
        self.l_np @ self.w_np

    @torch_only
    def time_layer_torch(self, busy, threads):
        self.l_th @ self.w_th

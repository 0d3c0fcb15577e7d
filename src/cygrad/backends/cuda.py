"""``cygrad.backends.cuda``: CUDA is not built in; the matmul precision flags are kept but
unused (``matmul.allow_tf32`` is ``False``, as in PyTorch)."""
__all__ = ["is_built", "matmul"]


class _MatmulFlags:
    """``backends.cuda.matmul``: precision switches of CUDA matrix products."""

    def __init__(self):
        self.allow_tf32 = False
        self.allow_fp16_reduced_precision_reduction = True
        self.allow_bf16_reduced_precision_reduction = True


matmul = _MatmulFlags()


def is_built():
    """Whether cygrad was built with CUDA: always ``False``."""
    return False

"""``cygrad.device``: where a tensor lives (cygrad has only the CPU)."""

__all__ = ["device"]


class device:
    """Where a tensor lives; cygrad has only ``device('cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        name = type
        if isinstance(type, str) and type.startswith("cpu:") and index is None:
            type, _, number = type.partition(":")      # 'cpu:0', as PyTorch accepts
            index = int(number) if number.isdigit() else -1
            if index < 0:
                raise RuntimeError(f"Invalid device string: '{name}'")
        if type != "cpu":
            raise RuntimeError(f"cygrad supports only the 'cpu' device, got {name!r}")
        self.type = type
        self.index = index

    def __repr__(self):
        if self.index is None:
            return "device(type='cpu')"
        return f"device(type='cpu', index={self.index})"

    def __str__(self):
        return "cpu" if self.index is None else f"cpu:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        return isinstance(other, device) and other.index == self.index

    def __hash__(self):
        return hash(("cpu", self.index))


_CPU = device("cpu")

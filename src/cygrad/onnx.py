"""``cygrad.onnx``: a stand-in for ``torch.onnx``, so that scripts which import it at the top
(and export only at the end, or behind a flag) run.

cygrad cannot export ONNX graphs: :func:`export` raises :class:`NotImplementedError` naming
itself. :func:`is_in_onnx_export` answers ``False``, which is true.
"""

__all__ = ["export", "is_in_onnx_export"]


def export(model, args=(), f=None, *unused_args, **unused_kwargs):
    """Export ``model`` to ONNX: not supported by cygrad.

    Raises
    ------
    NotImplementedError
        Always.

    Examples
    --------
    >>> cygrad.onnx.export(None)
    Traceback (most recent call last):
        ...
    NotImplementedError: cygrad.onnx.export: cygrad cannot export ONNX graphs (the module exists so that scripts importing torch.onnx run)
    """
    raise NotImplementedError("cygrad.onnx.export: cygrad cannot export ONNX graphs (the "
                              "module exists so that scripts importing torch.onnx run)")


def is_in_onnx_export():
    """Whether an ONNX export is running: always ``False``."""
    return False

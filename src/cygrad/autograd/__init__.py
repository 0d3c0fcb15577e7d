"""Automatic differentiation, as PyTorch draws it: ``Node``/``Edge`` graphs recorded by every
op on tensors that require grad, and a reverse-mode engine (``backward``, ``grad``)."""
from . import dispatch, engine, functional, graph
from .engine import backward, grad
from .function import Function, FunctionCtx
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import AccumulateGrad, Edge, Node
from .variable import Variable

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Node", "Edge", "AccumulateGrad",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "GradcheckError", "functional", "graph", "Variable"]

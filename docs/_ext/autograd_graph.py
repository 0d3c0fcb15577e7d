"""Sphinx directive ``autograd-graph``: the picture of a live backward graph.

The directive's content is Python code whose last line is an expression giving a tensor.
The code runs at build time (in a fresh namespace prepared by ``doctest_global_setup``), the
graph behind the tensor is turned into DOT text by :func:`cygrad.autograd.graph.to_dot`, and
Graphviz renders it like a ``graphviz`` directive, so a picture in the docs is always the
graph the current code builds. It takes the ``graphviz`` directive's options (``alt``,
``caption``, ``align``, ``class``)::

    .. autograd-graph::
       :alt: the graph of L = (A + B).sum()

       A = cygrad.ones(2, 1, requires_grad=True)
       B = cygrad.ones(2, 1, requires_grad=True)
       (A + B).sum()

Building needs Graphviz's ``dot`` program on the ``PATH``.
"""
import ast

from docutils.statemachine import StringList
from sphinx.ext.graphviz import Graphviz


class AutogradGraph(Graphviz):
    """Render the backward graph of the tensor that the directive's code evaluates to."""

    required_arguments = 0
    optional_arguments = 0

    def run(self):
        source = "\n".join(self.content)
        try:
            import cygrad.autograd.graph

            # The namespace keeps the leaves alive while the graph is drawn: a graph holds
            # its leaves weakly, and a deleted leaf would be drawn without its shape.
            namespace, tensor = _evaluate(source, self.config.doctest_global_setup)
            dot = cygrad.autograd.graph.to_dot(tensor)
            del namespace
        except Exception as exc:  # report the failure at the directive, as a build error
            raise self.error(f"autograd-graph: {type(exc).__name__}: {exc}") from exc
        self.content = StringList(dot.splitlines(), source=self.content.source(0))
        return super().run()


def _evaluate(source, setup):
    """Run ``source`` after ``setup``; return the namespace and its last expression's value."""
    module = ast.parse(source)
    if not module.body or not isinstance(module.body[-1], ast.Expr):
        raise ValueError("the last line must be an expression giving a tensor")
    last = ast.Expression(module.body.pop().value)
    namespace = {}
    exec(compile(setup or "", "<doctest_global_setup>", "exec"), namespace)
    exec(compile(module, "<autograd-graph>", "exec"), namespace)
    return namespace, eval(compile(last, "<autograd-graph>", "eval"), namespace)


def setup(app):
    app.setup_extension("sphinx.ext.graphviz")
    app.add_directive("autograd-graph", AutogradGraph)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

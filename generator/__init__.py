"""bulletin: a static-site generator for public transparency bulletins of community governance.

The public surface is the `bulletin` command (`generator.cli:main`) and the pipeline entry
points below; everything else is internal.
"""

from .pipeline import BuildResult, build, check, today_in_shanghai
from .content.errors import ContentError, Problem

__all__ = ["BuildResult", "Builder", "ContentError", "Problem", "build", "check", "today_in_shanghai"]


def __getattr__(name: str):
    # The builder pulls in YAML, Jinja and Markdown; import it only when asked for, so that a
    # `bulletin build` with nothing to do stays quick.
    if name == "Builder":
        from .engine.incremental import Builder

        return Builder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

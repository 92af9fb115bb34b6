"""bulletin: a static-site generator for public transparency bulletins of community governance.

The public surface is the `bulletin` command (`generator.cli:main`) and the pipeline entry
points below; everything else is internal.
"""

from .incremental import Builder
from .pipeline import BuildResult, build, check, today_in_shanghai
from .errors import ContentError, Problem

__all__ = ["BuildResult", "Builder", "ContentError", "Problem", "build", "check", "today_in_shanghai"]

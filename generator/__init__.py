"""bulletin: a static-site generator for public transparency bulletins of community governance.

The public surface is the `bulletin` command (`generator.cli:main`) and the pipeline's entry
points below; everything else is internal. The package is laid out by stage:

| folder     | its job                                                                    |
|------------|----------------------------------------------------------------------------|
| `content/` | reading and checking what editors wrote; problems as data                  |
| `domain/`  | the rules: records as values, lists, statistics, privacy; pure             |
| `output/`  | what gets published: the plan, templates, charts, feeds, data, search      |
| `engine/`  | how it is built fast and safely: edit loop, memo, processes, atomic writes |
| `tools/`   | for editors: the preview server, record skeletons, the web editor          |

`pipeline.build()` runs the stages in order (see `pipeline`); `steps` is how a stage declares
what its parts read, so that the engine can remember them without the stages knowing.
"""

from .content.errors import ContentError, Problem
from .pipeline import Builder, BuildResult, build, check, today_in_shanghai

__all__ = ["BuildResult", "Builder", "ContentError", "Problem", "build", "check", "today_in_shanghai"]

"""Where templates and static assets come from: a `templates/` folder beside the content
directory overrides the defaults shipped inside the package, file by file.

Kept apart from `render` (and free of Jinja) so that the quick "nothing changed" check can find
the template files without importing the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def default_templates_dir() -> Path:
    package = Path(__file__).resolve().parent.parent
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


@dataclass(frozen=True)
class Theme:
    """Where templates and static assets come from, overrides first."""

    dirs: tuple[Path, ...]

    @classmethod
    def for_content(cls, content_dir: Path) -> Theme:
        override = content_dir.resolve().parent / "templates"
        default = default_templates_dir()
        dirs = (override, default) if override.is_dir() and override.resolve() != default.resolve() else (default,)
        return cls(dirs)

    def static_files(self) -> dict[str, Path]:
        """Static asset name (relative to static/) → the file that wins."""
        found: dict[str, Path] = {}
        for base in reversed(self.dirs):
            static = base / "static"
            if static.is_dir():
                for path in sorted(static.rglob("*")):
                    if path.is_file() and not path.name.startswith("."):
                        found[path.relative_to(static).as_posix()] = path
        return dict(sorted(found.items()))

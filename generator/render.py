"""Pages → HTML bytes with Jinja2 (autoescape on, StrictUndefined: a missing value is an error).

Templates are looked up first in a `templates/` folder beside the content directory (a site's
overrides, file by file), then in the defaults shipped inside the package. Static assets
(`templates/static/`) follow the same rule; CSS, JavaScript and SVG are fingerprinted
(`style.<hash>.css`, `site.<hash>.js`) so they can be cached for a long time. The helpers
templates may call are registered here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jinja2

from . import charts, feeds, poster, routes, urls
from .derive import LIST_LABELS, Derived
from .history import History
from .models import COMPOUND_TYPE_MODES, COMPOUND_TYPES, PROJECT_CATEGORIES, PROJECT_STATUSES, Site


def default_templates_dir() -> Path:
    here = Path(__file__).resolve().parent
    installed = here / "templates"
    return installed if installed.is_dir() else here.parent / "templates"


@dataclass(frozen=True)
class Theme:
    """Where templates and static assets come from, overrides first."""

    dirs: tuple[Path, ...]

    @classmethod
    def for_content(cls, content_dir: Path) -> "Theme":
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


def fingerprint(name: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:10]
    stem, dot, ext = name.rpartition(".")
    return f"{stem}.{digest}.{ext}" if dot else f"{name}.{digest}"


def static_outputs(theme: Theme) -> tuple[dict[str, bytes], dict[str, str]]:
    """(output path → bytes, asset name → URL) for the theme's static files; CSS, JS and SVG fingerprinted."""
    outputs, urls = {}, {}
    for name, path in theme.static_files().items():
        data = path.read_bytes()
        out = fingerprint(name, data) if name.endswith((".css", ".js", ".svg")) else name
        outputs[f"static/{out}"] = data
        urls[name] = f"/static/{out}"
    return outputs, urls


# --- formatting helpers ---------------------------------------------------------------------------

def fmt_score(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    return str(value.quantize(q, rounding=ROUND_HALF_UP))


def fmt_number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = value.normalize()
        text = f"{value:f}"
        return text
    return f"{value}"


def fmt_pct(value: Decimal | None, places: int = 2) -> str:
    if value is None:
        return "—"
    pct = (value * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{pct:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text + "%"


def fmt_date(value: date | None) -> str:
    if value is None:
        return "—"
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_yuan(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if value >= 10000:
        wan = (value / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        text = f"{wan:f}".rstrip("0").rstrip(".")
        return f"{text} 万元"
    return f"{fmt_number(value)} 元"


def ratio(part: int, whole: int) -> Decimal | None:
    return None if not whole else Decimal(part) / Decimal(whole)


class Renderer:
    def __init__(self, site: Site, derived: Derived, theme: Theme, asset_urls: dict[str, str], build_date: date,
                 history: History | None = None, fulltext_search: bool = False, preview: bool = False):
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in theme.dirs]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(score=fmt_score, pct=fmt_pct, cndate=fmt_date, yuan=fmt_yuan,
                                num=fmt_number)
        self.env.globals.update(urls.URLS)
        self.env.globals.update(
            site=site, info=site.info, d=derived, today=build_date, preview=preview, asset=asset_urls.__getitem__,
            COMPOUND_TYPES=COMPOUND_TYPES, COMPOUND_TYPE_MODES=COMPOUND_TYPE_MODES,
            PROJECT_CATEGORIES=PROJECT_CATEGORIES, PROJECT_STATUSES=PROJECT_STATUSES, LIST_LABELS=LIST_LABELS,
            ratio=ratio, absolute_url=lambda url: site.info.base_url.rstrip("/") + url,
            qr_svg=poster.qr_svg, content_fingerprint=poster.content_fingerprint, fulltext_search=fulltext_search,
        )
        last_changed = (history or History()).last_changed
        self.env.globals.update(
            last_changed_of=last_changed.get,  # source path → date of its last commit, or None
            chart_svg=charts.svg, chart_rows=charts.table_rows,
            score_history_chart=lambda company: charts.score_history(site, derived, company),
            fee_rates_chart=lambda community: charts.fee_rates(site, derived, community),
            types_by_street_chart=lambda district: charts.types_by_street(site, derived, district),
            notices_feed_title=feeds.notices_feed_title(site), community_feed_title=feeds.community_feed_title,
            lists_feed_title=feeds.lists_feed_title,
        )

    def render(self, page: routes.Page) -> bytes:
        template = self.env.get_template(page.template)
        return template.render(url=page.url, **page.context).encode("utf-8")


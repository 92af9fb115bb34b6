"""`bulletin hosting netlify|nginx|caddy`: one table (generator/tools/hosting.py), and real servers
that follow it.

netlify.toml's headers are the table's (read with tomllib) and its headers part is the command's
output. The sample bulletin is built once (with the web editor when Decap's files are installed),
then served by real nginx (HTTPS with a self-signed certificate, plus the port-80 redirect) and
real Caddy (plain HTTP: its automatic HTTPS needs a public domain), each from the configuration
the command prints with only the test's ports, root and certificate put in. Every header on
representative paths, content types, the 404 page, pretty URLs and compression are checked over
HTTP, and Chromium loads pages from each server with zero CSP violations, the stylesheet applied
and search working. Without nginx or Caddy (`apt-get install -y nginx caddy`; .ci/run installs
them) the server tests skip and say so.
"""

from __future__ import annotations

import gzip
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.tools import hosting

from browserkit import CHROMIUM_ARGS, chromium_path
from conftest import REPO, SAMPLE, TODAY, cli

DECAP = Path(os.environ.get("BULLETIN_DECAP_DIST") or REPO / "admin/node_modules/decap-cms/dist") / "decap-cms.js"
HAS_ADMIN = DECAP.is_file()


# --- the table and netlify.toml ---------------------------------------------------------------


def test_netlify_toml_holds_the_table():
    config = tomllib.loads((REPO / "netlify.toml").read_text(encoding="utf-8"))
    declared = [(rule["for"], rule["values"]) for rule in config["headers"]]
    assert declared == [(rule.path, dict(rule.headers)) for rule in hosting.RULES]
    assert config.get("redirects", []) == []  # pretty URLs and 404.html are Netlify's defaults


def test_netlify_toml_ends_with_the_commands_output():
    run = cli("hosting", "netlify")
    assert run.exit_code == 0, run.output
    text = (REPO / "netlify.toml").read_text(encoding="utf-8")
    assert text.endswith(run.output), "paste the output of `bulletin hosting netlify` into netlify.toml"


def test_the_table_keeps_the_public_policy_strict():
    for path in ("/", "/notices/x/", "/static/a.css", "/feeds/notices.xml", "/pagefind/fragment/a.pf_fragment"):
        csp = hosting.headers_for(path)["Content-Security-Policy"]
        assert csp == hosting.PUBLIC_CSP
        assert "'unsafe-" not in csp
    assert hosting.headers_for("/admin/")["Content-Security-Policy"] == hosting.ADMIN_CSP
    assert hosting.headers_for("/static/a.css")["Cache-Control"] == hosting.IMMUTABLE
    assert hosting.headers_for("/pagefind/pagefind-entry.json")["Cache-Control"] == hosting.REVALIDATE


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/feeds/notices.xml", "application/atom+xml; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/data/notices.csv", "text/csv; charset=utf-8"),
        ("/data/notices.json", "application/json; charset=utf-8"),
        ("/static/site.0123456789.js", "text/javascript; charset=utf-8"),
        ("/pagefind/pagefind.zh-cn_0123.pf_meta", "application/octet-stream"),
        ("/pagefind/wasm.unknown.pagefind", "application/octet-stream"),
        ("/admin/0123.wasm", "application/wasm"),
        ("/admin/config.yml", "text/yaml; charset=utf-8"),
        ("/attachments/2025/a.pdf", "application/pdf"),
    ],
)
def test_content_types(path, expected):
    assert hosting.content_type(path) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["apache"], "不是可选值"),
        (["nginx", "--root", "site"], "绝对路径"),
        (["caddy", "--domain", "https://example.org/"], "域名"),
        (["nginx", "--root", '/srv/a"; include /etc/passwd'], "绝对路径"),
    ],
)
def test_bad_arguments_are_refused_in_chinese(args, message):
    run = cli("hosting", *args)
    assert run.exit_code == 2
    assert message in run.output


def test_fingerprinted_search_files_are_cached_for_a_year_and_the_rest_revalidated():
    for path in (
        "/pagefind/pagefind.zh-cn_bda99247a7467.pf_meta",
        "/pagefind/fragment/zh-cn_8d1f3a.pf_fragment",
        "/pagefind/index/zh-cn_0a9c77.pf_index",
        "/pagefind/d/gaoxin/pagefind.zh-cn_b9bf3e8ab121f.pf_meta",  # a partial index's
        "/pagefind/d/gaoxin/fragment/zh-cn_5e2b.pf_fragment",
    ):
        assert hosting.headers_for(path)["Cache-Control"] == hosting.IMMUTABLE, path
    for path in ("/pagefind/pagefind.js", "/pagefind/d/gaoxin/pagefind-entry.json", "/pagefind/wasm.unknown.pagefind"):
        assert hosting.headers_for(path)["Cache-Control"] == hosting.REVALIDATE, path
    nginx = cli("hosting", "nginx").output
    assert "    location ~ ^/pagefind/.*\\.pf_meta$ {" in nginx
    caddy = cli("hosting", "caddy").output
    assert "path_regexp ^/pagefind/.*\\.pf_meta$" in caddy


def test_hsts_is_an_option_for_nginx_and_caddy_and_netlify_sends_it_itself():
    name, value = hosting.HSTS
    assert value == "max-age=31536000"  # no includeSubDomains: other sites of the office's domain
    for server in ("nginx", "caddy"):
        assert name not in cli("hosting", server).output
    nginx = cli("hosting", "nginx", "--hsts").output
    https = nginx[nginx.index("listen 443") :]
    # nginx sends only the add_headers of the location a request ends in: every location repeats it
    assert https.count("    location ") == https.count(f'add_header {name} "{value}" always;') > 5
    assert name not in nginx[: nginx.index("listen 443")]  # the port-80 server only redirects
    caddy = cli("hosting", "caddy", "--hsts").output
    assert caddy.count(f'{name} "{value}"') == 1  # in the /* headers, which every response gets
    refused = cli("hosting", "netlify", "--hsts")
    assert refused.exit_code == 2 and "Netlify 在 HTTPS 上自己发送 Strict-Transport-Security" in refused.output
    assert name not in (REPO / "netlify.toml").read_text(encoding="utf-8")


def test_root_and_domain_reach_the_configurations():
    nginx = cli("hosting", "nginx", "--root", "/srv/公示/site", "--domain", "gs.example.gov.cn").output
    assert "    root /srv/公示/site;" in nginx and "server_name gs.example.gov.cn;" in nginx
    caddy = cli("hosting", "caddy", "--root", "/srv/site/").output
    assert "\troot * /srv/site\n" in caddy and f"\n{hosting.DEFAULT_DOMAIN} {{\n" in caddy
    assert f"root {hosting.DEFAULT_ROOT};" in cli("hosting", "nginx").output


# --- the built site and the real servers ------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The sample bulletin, built once for this module (with /admin/ when Decap is installed)."""
    out = tmp_path_factory.mktemp("hosting") / "site"
    run = cli(
        "build", "--content", str(SAMPLE), "--out", str(out), "--today", TODAY, *(["--admin"] if HAS_ADMIN else [])
    )
    assert run.exit_code == 0, run.output
    assert (out / "pagefind/pagefind.js").is_file(), "search index missing — run `npm ci` first"
    return out


def test_every_published_file_has_a_type(site):
    known = {ext for kind in hosting.TYPES for ext in kind.extensions}
    stray = sorted(
        str(p.relative_to(site))
        for p in site.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.suffix[1:].lower() not in known
    )
    assert stray == [], "add these to hosting.TYPES"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


@dataclass
class Served:
    name: str
    scheme: str
    port: int
    plain_port: int | None = None  # nginx: the port-80 server that redirects to HTTPS

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None, port: int | None = None, scheme: str | None = None):
        """(status, headers with lower-case names, body) — redirects are not followed."""
        scheme = scheme or self.scheme
        if scheme == "https":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", port or self.port, context=context, timeout=10
            )
        else:
            conn = http.client.HTTPConnection("127.0.0.1", port or self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            conn.close()


def _start(command: list[str], port: int, log: Path, env: dict[str, str] | None = None) -> subprocess.Popen:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{command[0]} exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"{command[0]} did not listen on {port}: {log.read_text(errors='replace')[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def nginx(site, tmp_path_factory):
    exe = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).is_file()), None)
    if not exe:
        pytest.skip("nginx is not installed (apt-get install -y nginx; .ci/run installs it)")
    work = tmp_path_factory.mktemp("nginx")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"]
        + ["-keyout", str(work / "key.pem"), "-out", str(work / "cert.pem")],
        check=True,
        capture_output=True,
    )
    https, http_port = _free_port(), _free_port()
    config = cli("hosting", "nginx", "--hsts", "--root", str(site), "--domain", "bulletin.test").output
    config = _replace_once(config, "listen 80;", f"listen 127.0.0.1:{http_port};")
    config = _replace_once(config, "listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    config = "\n".join(line for line in config.splitlines() if "listen [::]" not in line)
    config = _replace_once(config, "/etc/nginx/ssl/bulletin.test.fullchain.pem", str(work / "cert.pem"))
    config = _replace_once(config, "/etc/nginx/ssl/bulletin.test.key", str(work / "key.pem"))
    (work / "bulletin.conf").write_text(config, encoding="utf-8")
    temp = "\n".join(
        f"    {kind}_temp_path {work / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (work / "nginx.conf").write_text(
        f"daemon off;\n{'user root;' if os.geteuid() == 0 else ''}\nworker_processes 1;\n"
        f"pid {work / 'nginx.pid'};\nerror_log {work / 'error.log'};\nevents {{ worker_connections 64; }}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {work / 'bulletin.conf'};\n}}\n",
        encoding="utf-8",
    )
    command = [exe, "-p", f"{work}/", "-e", str(work / "error.log"), "-c", str(work / "nginx.conf")]
    process = _start(command, https, work / "stdout.log")
    yield Served("nginx", "https", https, http_port)
    _stop(process)


@pytest.fixture(scope="module")
def caddy(site, tmp_path_factory):
    exe = shutil.which("caddy")
    if not exe:
        pytest.skip("Caddy is not installed (apt-get install -y caddy; .ci/run installs it)")
    work = tmp_path_factory.mktemp("caddy")
    port = _free_port()
    config = cli("hosting", "caddy", "--hsts", "--root", str(site), "--domain", "bulletin.test").output
    config = _replace_once(config, "\nbulletin.test {\n", f"\nhttp://127.0.0.1:{port} {{\n")
    # the test's own global options: no admin endpoint, no certificates
    (work / "Caddyfile").write_text("{\n\tadmin off\n\tauto_https off\n}\n\n" + config, encoding="utf-8")
    env = dict(os.environ, HOME=str(work), XDG_CONFIG_HOME=str(work / "config"), XDG_DATA_HOME=str(work / "data"))
    command = [exe, "run", "--config", str(work / "Caddyfile"), "--adapter", "caddyfile"]
    process = _start(command, port, work / "caddy.log", env)
    yield Served("caddy", "http", port)
    _stop(process)


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def server(request) -> Served:
    return request.getfixturevalue(request.param)


def _first(site: Path, pattern: str) -> str:
    """The URL path of the first file under `site` matching `pattern` (sorted)."""
    found = sorted(site.glob(pattern))
    assert found, pattern
    return "/" + found[0].relative_to(site).as_posix()


def _paths(site: Path) -> list[str]:
    notice = _first(site, "notices/*/index.html").removesuffix("index.html")
    return [
        "/",
        notice,
        _first(site, "lists/*/*/index.html").removesuffix("index.html"),
        "/404.html",
        _first(site, "static/style.*.css"),
        _first(site, "static/site.*.js"),
        "/feeds/notices.xml",
        _first(site, "feeds/communities/*.xml"),
        "/sitemap.xml",
        "/robots.txt",
        "/data/notices.json",
        "/data/notices.csv",
        "/search/names.json",
        _first(site, "attachments/*/*.pdf"),
        _first(site, "attachments/*/*.png"),
        "/pagefind/pagefind.js",
        "/pagefind/pagefind-entry.json",
        "/pagefind/wasm.unknown.pagefind",
        _first(site, "pagefind/*.pf_meta"),
        _first(site, "pagefind/fragment/*.pf_fragment"),
        _first(site, "pagefind/index/*.pf_index"),
        *(["/admin/", "/admin/config.yml", _first(site, "admin/*.wasm")] if HAS_ADMIN else []),
        *_partial_index(site),
    ]


def _partial_index(site: Path) -> list[str]:
    """A partial index's fingerprinted files, when the build makes partial indexes (pagefind/d/…)."""
    found = [sorted(site.glob(f"pagefind/*/*/{pattern}"))[:1] for pattern in ("*.pf_meta", "fragment/*.pf_fragment")]
    return ["/" + f.relative_to(site).as_posix() for files in found for f in files]


def test_every_header_and_content_type(server, site):
    wrong = []
    for path in _paths(site):
        status, headers, body = server.get(path)
        if status != 200:
            wrong.append(f"{path}: status {status}")
            continue
        expected = {k.lower(): v for k, v in hosting.headers_for(path).items()}
        expected["content-type"] = hosting.content_type(path)
        expected["strict-transport-security"] = hosting.HSTS[1]  # both configured with --hsts
        for name, value in expected.items():
            if headers.get(name) != value:
                wrong.append(f"{path}: {name}: {headers.get(name)!r}, expected {value!r}")
        file = site / path.lstrip("/")
        if body != (file / "index.html" if path.endswith("/") else file).read_bytes():
            wrong.append(f"{path}: body differs from the file")
    assert wrong == [], "\n".join(wrong)


def test_the_admin_location_carries_the_editors_policy():
    """Checked over HTTP above when Decap is installed; here in the configurations themselves."""
    nginx = hosting.render("nginx")
    block = nginx.split("location /admin/ {", 1)[1].split("}", 1)[0]
    assert f'add_header Content-Security-Policy "{hosting.ADMIN_CSP}" always;' in block
    assert 'add_header X-Robots-Tag "noindex" always;' in block
    caddy = hosting.render("caddy")
    block = caddy.split("header /admin/* {", 1)[1].split("}", 1)[0]
    assert f'Content-Security-Policy "{hosting.ADMIN_CSP}"' in block


def test_the_404_page(server, site):
    for path in ("/no/such/page/", "/no-such-file.html", "/static/", "/notices/nope"):
        status, headers, body = server.get(path)
        assert status == 404, (path, status)
        assert body == (site / "404.html").read_bytes(), path
        assert headers["content-type"] == "text/html; charset=utf-8", path
        assert headers["content-security-policy"] == hosting.PUBLIC_CSP, path


def test_pretty_urls(server, site):
    notice = _first(site, "notices/*/index.html").removesuffix("index.html")
    status, headers, _ = server.get(notice.rstrip("/"))
    assert status in (301, 308), status
    assert headers["location"] in (notice, server.base + notice), headers["location"]
    assert headers["content-security-policy"] == hosting.PUBLIC_CSP
    status, _, body = server.get(notice)
    assert status == 200 and body == (site / notice.lstrip("/") / "index.html").read_bytes()


def test_text_is_compressed(server, site):
    path = _first(site, "static/style.*.css")
    status, headers, body = server.get(path, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == (site / path.lstrip("/")).read_bytes()
    assert "accept-encoding" in headers.get("vary", "").lower()


def test_nginx_sends_plain_http_to_https(nginx):
    status, headers, _ = nginx.get("/notices/?a=1", port=nginx.plain_port, scheme="http")
    assert status == 301
    assert headers["location"] == "https://127.0.0.1/notices/?a=1"


# --- in Chromium --------------------------------------------------------------------------------

COLLECT = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""
STYLED = """() => {
  try {
    return [...document.styleSheets].some(s => s.href && new URL(s.href).origin === location.origin && s.cssRules.length > 20);
  } catch (e) {
    return false;  // a sheet the policy blocked cannot be read
  }
}"""


@pytest.mark.browser
def test_pages_and_search_in_chromium(server, site):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    paths = _paths(site)[:3] + ["/search/"]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(ignore_https_errors=True, service_workers="block")
        context.add_init_script(COLLECT)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        for path in paths:
            response = page.goto(server.base + path, wait_until="load")
            if response is None or response.status != 200:
                problems.append(f"{path}: status {response and response.status}")
            if path == "/search/":
                page.fill('form.finder-form input[name="q"]', "物业")
                for results in ("[data-names-results] ul li", "[data-fulltext-results] li"):
                    try:
                        page.wait_for_selector(results, timeout=20_000)
                    except PlaywrightTimeout:
                        problems.append(f"{path}: no search results ({results})")
            if not page.evaluate(STYLED):
                problems.append(f"{path}: stylesheet missing or blocked")
            problems += [f"{path}: {v}" for v in page.evaluate("window.__violations")]
        browser.close()
    problems += [f"console: {c}" for c in console]
    assert problems == [], "\n".join(problems)

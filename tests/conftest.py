"""Shared fixtures: whole content trees written from inline text, and ways to run the CLI.

`minimal_files()` is a small valid bulletin (one district, two streets, two communities, four
compounds of all three types, three companies, two half-year evaluations, a project, notices).
Tests copy it, change one thing, and look at what `bulletin` says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# CI runs the property and fuzz tests on a fixed sequence of examples (a red run must be
# reproducible and must not depend on the draw); local runs draw new examples every time, so the
# coverage grows run by run (`CI=true python -m pytest` repeats CI's draw).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

from generator.cli import main  # noqa: E402 - after the hypothesis profile, as hypothesis asks

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "content"
TODAY = "2026-11-27"


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MINIMAL = {
    "site.yaml": """
        title: 测试公示栏
        base_url: https://example.org/
        publisher: 测试编辑组
        contact: 电话 0536-8000000
        sample: true
        evaluation:
          parts:
            authority: {label: 主管部门, max: 30}
            street: {label: 街道社区, max: 30}
            owners: {label: 业主, max: 40}
          red_list_size: 2
          black_line: 60
          dismissal_bottom: 1
        pii_allow: ["400-800-1234"]
        """,
    "areas.yaml": """
        districts:
          - id: gx
            name: 高新区
            streets:
              - {id: xc, name: 新城街道}
              - {id: qc, name: 清池街道}
        """,
    "communities/yf.yaml": """
        name: 鸢飞社区
        street: xc
        secretary: 张三
        office_phone: 0536-8000001
        address: 新城街道某路 1 号
        grids:
          - {id: yf-1, name: 第一网格, members: 5}
          - {id: yf-2, name: 第二网格}
        venues:
          - {name: 鸢飞社区党群服务中心, kind: 党群服务中心, area_m2: 800, services: [议事, 调解]}
        stats:
          - {period: 2025-06, issues_received: 100, issues_closed_same_day: 87}
        """,
    "communities/zy.yaml": """
        name: 张营社区
        street: qc
        """,
    "compounds/fuhai.yaml": """
        name: 福海花园
        community: yf
        grid: yf-1
        type: self
        households: 860
        owners_body: {kind: 业委会, established: 2019-05-12, party_members: 3}
        fee_collection: {2024: 0.48, 2025: "100%"}
        complaints: {2024: 50, 2025: 9}
        demonstration: [2025]
        """,
    "compounds/lanting.yaml": """
        name: 兰亭苑
        community: yf
        type: enterprise
        company: alpha
        households: 500
        owners_body: {kind: 自治小组, established: 2020-01-01, party_members: 0}
        fee_collection: {2025: 0.9}
        """,
    "compounds/zhangying.yaml": """
        name: 张营花园
        community: zy
        type: enterprise
        company: beta
        households: 1200
        resettlement: true
        fee_collection: {2024: 1, 2025: 1}
        """,
    "compounds/laoyuan.yaml": """
        name: 老园小区
        community: zy
        type: state
        company: guoqi
        households: 300
        fee_collection: {2025: 0.75}
        """,
    "companies/alpha.yaml": """
        name: 阿尔法物业服务有限公司
        credit_code: 91370700MA3C00001G
        state_owned: false
        party_organization: true
        phone: 0536-8000002
        """,
    "companies/beta.yaml": """
        name: 贝塔物业服务有限公司
        credit_code: 91370700MA3C00002K
        state_owned: false
        party_organization: false
        """,
    "companies/guoqi.yaml": """
        name: 高新区城市服务集团有限公司
        credit_code: 91370700MA3C00003N
        state_owned: true
        party_organization: true
        """,
    "evaluations/gx/2025-H1.yaml": """
        period: 2025-H1
        published: 2025-07-15
        scores:
          - {company: alpha, authority: 27.5, street: 26, owners: 35}
          - {company: beta, authority: 20, street: 20, owners: 25}
          - {company: guoqi, authority: 28, street: 27, owners: 36.25}
        """,
    "evaluations/gx/2025-H2.yaml": """
        period: 2025-H2
        published: 2026-01-20
        scores:
          - {company: alpha, authority: 27, street: 27, owners: 36}
          - {company: beta, authority: 18, street: 19, owners: 20, note: 整改中}
          - {company: guoqi, authority: 28.5, street: 27, owners: 35.75}
        """,
    "projects/guanwang.md": """
        ---
        title: 福海花园管网改造
        category: renovation
        status: in_progress
        compounds: [fuhai]
        budget: 1250000
        start: 2026-03-01
        unit: 新城街道办事处
        updates:
          - {date: 2026-03-01, status: in_progress, text: 开工}
        ---
        ## 改造内容

        更换雨污管网。
        """,
    "notices/2026/gongshi.md": """
        ---
        title: 福海花园维修资金使用公示
        date: 2026-11-20
        category: 公示
        compounds: [fuhai]
        until: 2026-12-01
        ---
        公示内容如下。
        """,
    "notices/2025/tongzhi.md": """
        ---
        title: 全区物业服务考评通知
        date: 2025-06-01
        category: 通知
        district: gx
        ---
        请各企业做好准备。
        """,
    "notices/2026/caogao.md": """
        ---
        title: 草稿公告
        date: 2026-11-01
        category: 活动
        draft: true
        ---
        草稿。
        """,
    "notices/2026/weilai.md": """
        ---
        title: 未来公告
        date: 2026-12-20
        category: 活动
        streets: [qc]
        ---
        尚未发布。
        """,
}


def minimal_files() -> dict[str, str]:
    return {path: dedent(text) for path, text in MINIMAL.items()}


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working folder holding `content/` (the minimal bulletin); the CWD is set to it."""
    write_tree(tmp_path / "content", minimal_files())
    monkeypatch.chdir(tmp_path)
    return tmp_path


class Run:
    def __init__(self, result):
        self.exit_code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.output = result.stdout + result.stderr
        self.exception = result.exception


def cli(*args: str) -> Run:
    """Run `bulletin ARGS` in-process (the CWD is the caller's)."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    run = Run(result)
    assert "Traceback" not in run.output
    if run.exit_code not in (0, 1, 2):
        raise AssertionError(f"unexpected exit {run.exit_code}: {run.output}") from result.exception
    return run


def bulletin_subprocess(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real installed console command (falls back to `python -m generator`)."""
    exe = shutil.which("bulletin")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "generator", *args]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


def log_readers(monkeypatch, log: Path) -> Path:
    """Make every record file the engine's reader reads (`reads.read_record`, in whichever
    process) append its process id to `log`."""
    from generator.engine import reads

    original = reads.read_record

    def read(*args, **kwargs):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(reads, "read_record", read)
    return log


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (Debian's, never a downloaded one) for a module's browser tests."""
    from playwright.sync_api import sync_playwright

    from browserkit import CHROMIUM_ARGS, chromium_path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield browser
        browser.close()

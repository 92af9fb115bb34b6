"""A plain (non-editable) install works from any folder holding `content/`: templates and static
assets ship inside the package, and a `templates/` folder beside `content/` overrides them."""

from __future__ import annotations

import subprocess
import sys
import venv

from conftest import REPO, TODAY, minimal_files, write_tree


def test_wheel_install_builds_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    wheel = next(wheels.glob("bulletin-*.whl"))
    # --ignore-installed: .ci/run has already installed bulletin into the interpreter this venv
    # sees; without it pip would call the wheel "already satisfied" and install nothing here.
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--ignore-installed", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )

    work = tmp_path / "office"
    write_tree(work / "content", minimal_files())
    write_tree(work / "templates", {"404.html": '<!doctype html><html lang="zh-CN"><title>本站自定义</title></html>\n'})
    bulletin = env_dir / "bin" / "bulletin"
    clean_env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    run = subprocess.run(
        [str(bulletin), "build", "--today", TODAY], cwd=work, capture_output=True, text=True, timeout=300, env=clean_env
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "构建完成" in run.stdout
    assert "本站自定义" in (work / "site/404.html").read_text(encoding="utf-8")
    assert "福海花园" in (work / "site/compounds/fuhai/index.html").read_text(encoding="utf-8")
    assert list((work / "site/static").glob("style.*.css"))

    # The installed package is the one that ran, not the repository's source.
    where = subprocess.run(
        [str(python), "-c", "import generator, sys; print(generator.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        env=clean_env,
        check=True,
    )
    assert str(env_dir) in where.stdout

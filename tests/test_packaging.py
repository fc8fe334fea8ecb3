"""`pip install` of a release gives a working tool (issue 10).

The sdist is built from the checkout and the wheel from that sdist (what `python -m build`
does), so both are proven: the sdist carries everything the wheel needs, and the wheel carries
the rule packs, the default model and the corpus. The wheel goes into a new, empty venv, and the
tool runs from a folder outside the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def _run(*cmd: str | Path, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECREVIEW_")}
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = _run(sys.executable, "-m", "build", "--outdir", out, REPO, cwd=out)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv with only the wheel (and its pinned dependencies) installed."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    assert _run(sys.executable, "-m", "venv", venv, cwd=venv.parent).returncode == 0
    (wheel,) = dist.glob("secreview-*.whl")
    r = _run(
        venv / "bin" / "python",
        "-m",
        "pip",
        "install",
        "-q",
        "-c",
        REPO / "constraints.txt",
        wheel,
        cwd=venv.parent,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return venv / "bin"


def _names_under(names: list[str], prefix: str) -> set[str]:
    return {n[len(prefix) :] for n in names if n.startswith(prefix) and not n.endswith("/")}


def _tracked(folder: str) -> set[str]:
    r = _run("git", "ls-files", folder, cwd=REPO)
    if r.returncode != 0:
        pytest.skip("not a git checkout: cannot list the tracked files")
    return {line[len(folder) + 1 :] for line in r.stdout.splitlines()}


def test_wheel_carries_rules_models_and_corpus(dist: Path) -> None:
    (wheel,) = dist.glob("secreview-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("rules", "models", "corpus"):
        assert _names_under(names, f"secreview/data/{folder}/") == _tracked(folder), folder
    assert "secreview/classify/userdict.txt" in names and "secreview/py.typed" in names
    # the review desk's templates and static files travel with the package
    assert _names_under(names, "secreview/desk/") >= {
        *(f"templates/{t.name}" for t in (REPO / "src/secreview/desk/templates").iterdir()),
        "static/desk.css",
        "static/desk.js",
    }


def test_sdist_carries_the_sources_of_the_package_data(dist: Path) -> None:
    (sdist,) = dist.glob("secreview-*.tar.gz")
    names = tarfile.open(sdist).getnames()
    root = names[0].split("/")[0]
    for folder in ("rules", "models", "corpus"):
        assert _names_under(names, f"{root}/{folder}/") == _tracked(folder), folder


def test_installed_tool_works_from_any_folder(installed: Path, tmp_path: Path) -> None:
    work = tmp_path / "别处"
    work.mkdir()
    sample = work / "通知.txt"
    sample.write_text(
        "秘密★1年\n关于做好今冬明春供暖保障工作的通知\n"
        "各街道办事处：为保障居民温暖过冬，现就今冬明春供暖保障工作通知如下，请认真落实。\n",
        encoding="utf-8",
    )
    sr = installed / "secreview"

    scan = _run(sr, "scan", sample, "--format", "json", cwd=work)
    assert scan.returncode == 1, scan.stderr
    (report,) = json.loads(scan.stdout)
    assert report["verdict"] == "block"
    assert any(f["rule"] == "marking.secret_level" for f in report["findings"])
    assert report["classifier"] is not None  # the bundled model was found and used

    rules = _run(sr, "rules", "test", cwd=work)
    assert rules.returncode == 0, rules.stdout + rules.stderr

    info = _run(sr, "model", "info", "--format", "json", cwd=work)
    assert info.returncode == 0, info.stderr
    card = json.loads(info.stdout)
    assert "site-packages" in card["model_dir"]
    assert card["card"]["environment"]["scikit-learn"]

    # without the desk extra, `serve` says what to install (one line, exit 2)
    serve = _run(sr, "--db", work / "台账.db", "serve", cwd=work)
    assert serve.returncode == 2 and "secreview[desk]" in serve.stderr, serve.stderr
    assert len(serve.stderr.strip().splitlines()) == 1

    out = work / "新模型"
    train = _run(sr, "train", "--shared", work / "无共享数据", "--out", out, cwd=work)
    assert train.returncode == 0, train.stderr[-2000:]
    assert (out / "manifest.json").is_file()


def test_installed_tool_runs_the_review_chain(installed: Path, tmp_path: Path) -> None:
    """The ledger commands work from the wheel too (init, a user with a look-alike check
    against the bundled confusables data, enrolment, verify)."""
    sr = installed / "secreview"
    db = tmp_path / "台账.db"
    pw = {}
    for who in ("管理员", "张三"):
        pw[who] = tmp_path / f"{who}.pw"
        pw[who].write_text(f"{who}的口令-2026", encoding="utf-8")
        pw[who].chmod(0o600)
    base = ("--db", db, "--as", "管理员", "--passphrase-file", pw["管理员"])
    init = _run(sr, *base, "init", "--admin", "管理员", "--kdf-cost", "15", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    add = _run(
        sr, *base, "user", "add", "张三", "--role", "drafter", "--format", "json", cwd=tmp_path
    )
    assert add.returncode == 0, add.stderr
    code = json.loads(add.stdout)["enrol_code"]
    twin = _run(sr, *base, "user", "add", "张 三", "--role", "leader", cwd=tmp_path)
    assert twin.returncode == 1 and "难以区分" in twin.stderr
    enroll = _run(
        sr,
        "--db",
        db,
        "--passphrase-file",
        pw["张三"],
        "user",
        "enroll",
        "张三",
        "--code",
        code,
        cwd=tmp_path,
    )
    assert enroll.returncode == 0, enroll.stderr
    verify = _run(sr, "--db", db, "ledger", "verify", "--format", "json", cwd=tmp_path)
    assert verify.returncode == 0, verify.stderr
    assert json.loads(verify.stdout)["ok"] is True

"""The distribution: one version everywhere, a licensed wheel that works alone, a whole sdist.

The wheel and sdist are built with hatchling from this checkout, without
network (``--no-isolation``); the wheel is installed with no index into a
fresh virtual environment that borrows only the dependencies of this one.
"""

from __future__ import annotations

import email
import importlib.metadata
import json
import site
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import isecg_events
from isecg_events.cli import main
from tests.programmes import ROOT


def test_one_version_everywhere(
    plenary: isecg_events.Programme, capsys: pytest.CaptureFixture[str]
) -> None:
    version = isecg_events.__version__
    assert importlib.metadata.version("isecg-events") == version
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"isecg-events {version}\n"
    assert f"PRODID:-//isecg-events//isecg-events {version}//EN".encode() in (
        isecg_events.to_ical(plenary)
    )
    assert f'<generator name="isecg-events" version="{version}"/>'.encode() in (
        isecg_events.to_schedule_xml(plenary)
    )
    generator = json.loads(isecg_events.to_schedule_json(plenary))["generator"]
    assert generator["version"] == version
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{version}]" in changelog or "## [Unreleased]" in changelog


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def test_the_wheel_carries_the_licence_and_classifiers(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = wheel.namelist()
        (metadata_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(wheel.read(metadata_name))
        licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert licence and b"MIT License" in wheel.read(licence[0])
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Version"] == isecg_events.__version__
    classifiers = metadata.get_all("Classifier") or []
    for version in ("3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "isecg_events/data/glex2017.toml" in names
    assert "isecg_events/py.typed" in names


def test_the_sdist_holds_what_a_packager_needs(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "pyproject.toml",
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "ARCHITECTURE.md",
        "data/glex2017.toml",
        "src/isecg_events/__init__.py",
        "src/isecg_events/programme.schema.json",
        "tests/test_packaging.py",
        "tests/golden/plenary-text-78-full.txt",
        "docs/index.md",
        "mkdocs.yml",
    ):
        assert needed in names, needed


def test_the_wheel_installed_alone_exports_the_plenary(
    built: dict[str, Path], tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(fresh)], check=True, timeout=120)
    python = fresh / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    install = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(built["wheel"])]
    subprocess.run(install, check=True, capture_output=True, timeout=120)
    # The dependencies come from this environment, added after the install so
    # that pip sees no isecg-events but the wheel's; the package comes first
    # on the path, from the wheel.
    (Path(purelib) / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = subprocess.run(
        [str(python), "-c", "import isecg_events; print(isecg_events.__file__)"],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    ).stdout  # fmt: skip
    assert where.startswith(purelib), where
    result = subprocess.run(
        [str(fresh / "bin" / "isecg-events"), "export", "--format", "all", "--output", "out"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "agenda.md", "agenda.txt", "events", "glex2017.ics", "schedule.html", "schedule.json",
        "schedule.xml", "sessionize.json",
    ]  # fmt: skip
    assert (tmp_path / "out" / "glex2017.ics").read_bytes() == isecg_events.to_ical(
        isecg_events.load()
    )

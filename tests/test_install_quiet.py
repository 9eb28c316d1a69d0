"""`make install` (pip's editable install of the project) prints no warning of the project's
own making: no licence deprecation (an SPDX `license` string), no editable-install notice (the
packages' root is declared). `tweetchat run`'s own output is checked in test_progress.py."""

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_the_editable_install_prints_no_warning(tmp_path):
    # Into a venv of its own (pip's --python): installing into this one, or with --prefix,
    # would first uninstall the project from the venv running the tests.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet",
         "--no-deps", "--editable", PROJECT_ROOT],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    shown = completed.stdout + completed.stderr
    for text in ("Warning", "Deprecat", "deprecat", "Editable installation", "License"):
        assert text not in shown, shown
    # The install is the plain .pth entry: the project folder on the path.
    (pth,) = venv.rglob("__editable__.*.pth")
    assert pth.read_text().strip() == str(PROJECT_ROOT)

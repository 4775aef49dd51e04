"""Build Primer's installer for the system this runs on, from `packaging/primer.spec`.

    python packaging/build.py            # -> dist/primer_<version>_<arch>.deb (Linux),
                                         #    dist/Primer-<version>-setup.exe (Windows),
                                         #    dist/Primer-<version>.dmg (macOS)

The same steps on every system: render the icons from resources/icons/primer.svg, freeze
the program with PyInstaller, then wrap it in the system's own package format. The GitHub
workflow runs exactly this on Windows and macOS; Linux's build is also installed and
tested here by packaging/test-linux.sh.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
BUILD = ROOT / "build" / "installer"
DIST = ROOT / "dist"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
# What the bundled Qt needs from a Debian or Ubuntu system (the rest travels in the build).
DEB_DEPENDS = (
    "libc6 (>= 2.31), libstdc++6, libegl1, libgl1, libfontconfig1, libfreetype6, libdbus-1-3, "
    "libglib2.0-0, libxkbcommon0, libxkbcommon-x11-0, libx11-6, libx11-xcb1, libxcb1, "
    "libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, "
    "libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1, "
    "libxcb-util1, libxcb-xfixes0, libxcb-xkb1, libwayland-client0, libwayland-cursor0, "
    "libwayland-egl1"
)

sys.path.insert(0, str(ROOT))
from app.version import APP_ID  # noqa: E402
from app.version import __version__ as VERSION  # noqa: E402


def render_icons(folder: Path) -> None:
    """PNG sizes for Linux, .ico for Windows, .icns for macOS, drawn by Qt from the SVG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(ROOT / "resources" / "icons" / "primer.svg"))
    folder.mkdir(parents=True, exist_ok=True)
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        renderer.render(painter)
        painter.end()
        image.save(str(folder / f"primer-{size}.png"))
        if size == 256 and not image.save(str(folder / "primer.ico")):
            raise SystemExit("Qt could not write primer.ico")
        if size == 512 and not image.save(str(folder / "primer.icns")):
            raise SystemExit("Qt could not write primer.icns")
    del app


def freeze(icons: Path) -> Path:
    work = BUILD / "pyinstaller"
    env = {
        **os.environ,
        "PRIMER_ICON_DIR": str(icons),
        "PRIMER_VERSION": VERSION,
        "PRIMER_APP_ID": APP_ID,
    }
    subprocess.run(
        [
            sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level=WARN",
            "--distpath", str(work / "dist"), "--workpath", str(work / "work"),
            str(PACKAGING / "primer.spec"),
        ],
        check=True,
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    return work / "dist"


def build_deb(frozen: Path, icons: Path) -> Path:
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    stage = BUILD / "deb" / f"primer_{VERSION}_{arch}"
    shutil.rmtree(stage, ignore_errors=True)
    program = stage / "opt" / "primer"
    shutil.copytree(frozen / "primer", program, symlinks=True)
    (stage / "usr" / "bin").mkdir(parents=True)
    (stage / "usr" / "bin" / "primer").symlink_to("/opt/primer/primer")
    share = stage / "usr" / "share"
    _install(PACKAGING / "linux" / "primer.desktop", share / "applications" / f"{APP_ID}.desktop")
    metainfo = (PACKAGING / "linux" / "primer.metainfo.xml").read_text(encoding="utf-8")
    (share / "metainfo").mkdir(parents=True)
    (share / "metainfo" / f"{APP_ID}.metainfo.xml").write_text(
        metainfo.replace("@VERSION@", VERSION).replace("@DATE@", date.today().isoformat()),
        encoding="utf-8",
    )
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        _install(icons / f"primer-{size}.png", target)
    _install(
        ROOT / "resources" / "icons" / "primer.svg",
        share / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
    )
    files = [p for p in stage.rglob("*") if p.is_file() and not p.is_symlink()]
    installed_kib = sum(p.stat().st_size for p in files) // 1024
    control = (PACKAGING / "linux" / "control").read_text(encoding="utf-8")
    (stage / "DEBIAN").mkdir()
    (stage / "DEBIAN" / "control").write_text(
        control.format(
            version=VERSION, arch=arch, installed_kib=installed_kib, depends=DEB_DEPENDS
        ),
        encoding="utf-8",
    )
    package = DIST / f"primer_{VERSION}_{arch}.deb"
    subprocess.run(
        ["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(stage), str(package)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return package


def build_windows_installer(frozen: Path, icons: Path) -> Path:
    compiler = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    subprocess.run(
        [
            compiler, f"/DVersion={VERSION}", f"/DSource={frozen / 'primer'}",
            f"/DIcon={icons / 'primer.ico'}", f"/O{DIST}",
            str(PACKAGING / "windows" / "primer.iss"),
        ],
        check=True,
    )  # fmt: skip
    return DIST / f"Primer-{VERSION}-setup.exe"


def build_dmg(frozen: Path) -> Path:
    image = DIST / f"Primer-{VERSION}.dmg"
    image.unlink(missing_ok=True)
    subprocess.run(
        [
            "hdiutil", "create", "-volname", f"Primer {VERSION}",
            "-srcfolder", str(frozen / "Primer.app"), "-format", "UDZO", str(image),
        ],
        check=True,
    )  # fmt: skip
    return image


def _install(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    icons = BUILD / "icons"
    render_icons(icons)
    frozen = freeze(icons)
    DIST.mkdir(exist_ok=True)
    if sys.platform == "win32":
        package = build_windows_installer(frozen, icons)
    elif sys.platform == "darwin":
        package = build_dmg(frozen)
    else:
        package = build_deb(frozen, icons)
    print(f"{package} ({package.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()

"""Vendor the icons the site uses from the openly licensed Lucide set (`make icons`).

Fetches the npm package `lucide-static` at a pinned version with `npm pack` (the ordinary npm
client), copies the icons named in student_portal/icons.py into static/icons/ with the site's
colour instead of `currentColor` (an <img> has no text colour to inherit), and copies the
package's LICENSE beside them. The results are committed: the app never needs npm to run.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from student_portal.icons import ICONS  # noqa: E402

PACKAGE = "lucide-static@1.62.0"
TARGET = ROOT / "static" / "icons"
COLOUR = "#1d4e89"  # --brand in static/css/site.css


def tidy(svg: str) -> str:
    """One colour, no class, and hidden from assistive technology (the icons are decorative)."""
    svg = svg.replace('stroke="currentColor"', f'stroke="{COLOUR}"')
    svg = re.sub(r'\s*class="[^"]*"', "", svg)
    return svg.replace("<svg", '<svg aria-hidden="true"', 1)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(["npm", "pack", "--silent", PACKAGE], cwd=folder, check=True,
                       capture_output=True)
        archive = next(Path(folder).glob("lucide-static-*.tgz"))
        with tarfile.open(archive) as tar:
            members = {member.name: member for member in tar.getmembers()}
            TARGET.mkdir(parents=True, exist_ok=True)
            for name in ICONS:
                svg = tar.extractfile(members[f"package/icons/{name}.svg"]).read().decode()
                (TARGET / f"{name}.svg").write_text(tidy(svg))
            licence = tar.extractfile(members["package/LICENSE"]).read().decode()
    (TARGET / "LICENSE").write_text(
        f"The icons in this folder come from Lucide ({PACKAGE}, https://lucide.dev),\n"
        f"recoloured by tools/vendor_icons.py. Their licence:\n\n{licence}"
    )
    print(f"{len(ICONS)} icons from {PACKAGE} in {TARGET.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()

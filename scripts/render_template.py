"""Render a blank template the way LibreOffice prints it: xlsx → PDF → one PNG per page.

    python scripts/render_template.py [--year 2024] [--agency 某单位] [--out build/render]
    python scripts/render_template.py --file samples/expected/annotated/某县交通运输局_2024_B1不平衡.xlsx

``--file`` renders a given workbook instead (a return, or a marked copy: are the results
sheet readable and the red cells visible?).

Why: whether the printed tables look like the published ones (A4 landscape, one page wide,
table B's three-column label area, header rows repeated) can only be judged by looking at
pages, and LibreOffice is the printing application available on a developer's machine and
in CI. The conversion is the test harness's ``convert`` (the same private-profile soffice
run the tests use), so there is one place that knows how to drive soffice; ``pdftoppm``
(poppler-utils) turns the PDF into PNGs. Prints the PNG paths, one a line.

宋体 (SimSun) is not installed on Linux; fontconfig would give LibreOffice a proportional
font instead, whose wider digits make every column wider and rows look taller than their
text needs. So the render maps 宋体 to Noto Sans Mono CJK SC, which has SimSun's metrics
where they matter: 1 em per CJK character, ½ em per ASCII one (the writer computes row
heights from those). It is still a visual check, not Excel.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from libreoffice import harness  # noqa: E402

from gongkai_xlsx.definition import load_form  # noqa: E402
from gongkai_xlsx.writer import TemplateOptions, write_template  # noqa: E402

FORMAT = "gk2021"
DEFAULT_OUT = ROOT / "build" / "render"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line, with help in the language of the people who read the pages."""
    parser = argparse.ArgumentParser(
        description="生成空白填报模板，用 LibreOffice 转为 PDF，再逐页转为 PNG 图片，"
        "用于检查打印版式。",
    )
    parser.add_argument("--year", type=int, default=2024, help="报告年度（默认 2024）")
    parser.add_argument(
        "--agency", default=None, help="填报单位全称；不填则生成由各单位自行填写单位名称的模板"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"输出文件夹，存放 xlsx、PDF 和 PNG（默认 {DEFAULT_OUT.relative_to(ROOT)}/）",
    )
    parser.add_argument("--dpi", type=int, default=80, help="PNG 分辨率，每英寸点数（默认 80）")
    parser.add_argument(
        "--file", type=Path, default=None, help="改为渲染这个工作簿（如报表或标注副本）"
    )
    return parser.parse_args(argv)


SIMSUN_LIKE = "Noto Sans Mono CJK SC"
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{matches}
</fontconfig>
"""
_MATCH = """  <match target="pattern">
    <test qual="any" name="family"><string>{family}</string></test>
    <edit name="family" mode="assign" binding="strong"><string>{font}</string></edit>
  </match>"""


def use_simsun_metrics(folder: Path) -> None:
    """Point fontconfig (for the soffice started next) at a configuration that renders
    宋体 / SimSun with :data:`SIMSUN_LIKE`."""
    matches = "\n".join(_MATCH.format(family=f, font=SIMSUN_LIKE) for f in ("宋体", "SimSun"))
    conf = folder / "fonts.conf"
    conf.write_text(_FONTS_CONF.format(matches=matches), encoding="utf-8")
    os.environ["FONTCONFIG_FILE"] = str(conf)


def page_number(png: Path) -> int:
    """pdftoppm names pages ``stem-1.png`` or, from 10 pages on, ``stem-01.png``."""
    match = re.search(r"-(\d+)\.png$", png.name)
    return int(match.group(1)) if match else 0


def render(
    year: int, agency: str | None, out: Path, dpi: int, file: Path | None = None
) -> list[Path]:
    """Write the template (or take ``file``), print it to PDF in LibreOffice, rasterise
    every page."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise RuntimeError("找不到 pdftoppm：请安装 poppler-utils（apt-get install poppler-utils）")
    out.mkdir(parents=True, exist_ok=True)
    if file is not None:
        stem = file.stem
        xlsx = out / f"{stem}.xlsx"
        if file.resolve() != xlsx.resolve():
            shutil.copyfile(file, xlsx)
    else:
        form = load_form(FORMAT)
        stem = f"{form.id}-{year}" + ("-agency" if agency else "")
        xlsx = out / f"{stem}.xlsx"
        write_template(form, TemplateOptions(year=year, agency=agency), xlsx)
    use_simsun_metrics(out)
    pdf = harness.convert(xlsx, out, fmt="pdf")
    for old in out.glob(f"{stem}-*.png"):  # a longer earlier render leaves extra pages
        old.unlink()
    subprocess.run(
        [pdftoppm, "-png", "-r", str(dpi), str(pdf), str(out / stem)],
        check=True,
        capture_output=True,
        text=True,
    )
    return sorted(out.glob(f"{stem}-*.png"), key=page_number)


def main(argv: list[str] | None = None) -> int:
    """Render and print the PNG paths; explain a missing tool in one line."""
    args = parse_args(argv)
    try:
        pages = render(args.year, args.agency, args.out.resolve(), args.dpi, args.file)
    except (RuntimeError, OSError, subprocess.CalledProcessError) as exc:
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else exc
        print(f"渲染失败：{detail}", file=sys.stderr)
        return 1
    for page in pages:
        print(page)
    return 0


if __name__ == "__main__":
    sys.exit(main())

# -*- coding: utf-8 -*-
"""The installer's first step, run by install.cmd / install.sh with whatever Python they found.

It must run under any Python, even 2.7 (so no f-strings, no annotations here): an older
Python gets a Chinese message instead of pip's English "requires a different Python". The
work itself is in desk_setup.py, which needs Python 3.11 or later.
"""

from __future__ import print_function

import os
import sys

SUPPORTED = ((3, 11), (3, 12), (3, 13))


def unsupported_message(found):
    """Why this Python cannot be used, and what to do, in Chinese."""
    lines = [
        u"这台电脑上找到的 Python 是 {0}.{1} 版（{2}）。".format(found[0], found[1], sys.executable),
        u"gongkai-xlsx 需要 Python 3.11、3.12 或 3.13（64 位）。",
    ]
    if sys.platform == "win32":
        lines += [
            u"请从 python.org 下载并安装 Python 3.13 的“Windows installer (64-bit)”，"
            u"安装时勾选“Add python.exe to PATH”，然后再双击 install.cmd。",
            u"Windows 7 不能运行 Python 3.9 及以后的版本，需要 Windows 10 或 11。",
        ]
    else:
        lines.append(
            u"请先安装 Python 3.11 至 3.13（如 sudo apt install python3 python3-venv），再运行 sh install.sh。"
        )
    return u"\n".join(lines)


def main():
    found = tuple(sys.version_info[:2])
    if found not in SUPPORTED:
        print(unsupported_message(found), file=sys.stderr)
        return 3
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import desk_setup

    return desk_setup.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

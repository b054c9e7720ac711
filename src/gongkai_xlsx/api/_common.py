"""What the front door's commands share: the OS-error wording, the per-file bounds, the
year's form, last year's documents, and the progress hook a caller may pass."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongkai_xlsx.errors import UsageError

# Loaded where used: the command line imports this module for the defaults above, and
# ``--help`` must not pay for the definitions, the pool or last year's documents.
if TYPE_CHECKING:
    from gongkai_xlsx.definition.model import Form
    from gongkai_xlsx.pool import Limits
    from gongkai_xlsx.previous import Previous

Advance = Callable[..., None]
"""Called once per item done (a return checked, a template written)."""
Progress = Callable[[int], AbstractContextManager[Advance]]
"""Given the number of items once it is known, a context whose value is the
:data:`Advance` callback (the terminal's progress bar, for one)."""


def no_progress(total: int) -> AbstractContextManager[Advance]:
    """The :data:`Progress` of a caller that shows none."""

    def advance(*_: Any) -> None:
        return None

    return contextlib.nullcontext(advance)


DEFAULT_TIME_LIMIT = 10.0  # seconds per file: a 20 KB return takes about 2 ms
DEFAULT_MEMORY_LIMIT = 512  # MB per worker above its start: a return needs about 2 MB


def limits(seconds: float | None = None, memory_mb: int | None = None) -> Limits:
    """The per-file bounds, checked (a bound must be positive)."""
    from gongkai_xlsx.pool import Limits

    seconds = DEFAULT_TIME_LIMIT if seconds is None else seconds
    memory_mb = DEFAULT_MEMORY_LIMIT if memory_mb is None else memory_mb
    if not seconds > 0:
        raise UsageError("时间上限必须大于 0 秒，例如 --time-limit 10。")
    if memory_mb < 16:
        raise UsageError("内存上限至少 16 MB，例如 --memory-limit 512。")
    return Limits(seconds=seconds, memory_mb=memory_mb)


def default_jobs() -> int:
    return os.cpu_count() or 1


def form_for(year: int) -> Form:
    """The form of ``year``'s reports; an unsupported year is the person's to fix (its
    :class:`~gongkai_xlsx.definition.load.UnsupportedYearError` exits 2)."""
    from gongkai_xlsx.definition.load import form_for_year

    return form_for_year(year)


def previous_for(path: Path, out: Path | None = None) -> Previous:
    """Last year's documents under ``path``; an error when there are none, or when
    ``path`` is this run's own output folder (its documents are this year's)."""
    path = Path(path)
    if out is not None and path.resolve() == Path(out).resolve():
        raise UsageError(
            f"{path}：--previous 应是上一年度的结果文件夹，不能是本次的输出文件夹（-o）。"
        )
    from gongkai_xlsx.previous import read_previous

    return read_previous(path)

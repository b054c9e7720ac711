"""Output folders that are always whole, one job a module: the lock (:mod:`.lock`), output
names and places (:mod:`.names`), the manifest and what proves a file ours
(:mod:`.manifest`), the journal and its renames (:mod:`.journal`), the hidden attribute on
Windows (:mod:`.hidden`), and :class:`OutputDir`, which stages and commits
(:mod:`.folder`)."""

from __future__ import annotations

from collections.abc import Callable

# Tests set this to stop the process at a named phase (see folder._checkpoint).
_checkpoint_hook: Callable[[str], None] | None = None

from gongkai_xlsx.outputfolder import MANIFEST  # noqa: E402
from gongkai_xlsx.outputfolder import report_outputs as _manifest_outputs  # noqa: E402
from gongkai_xlsx.outputs.folder import CommitResult, OutputConflict, OutputDir  # noqa: E402
from gongkai_xlsx.outputs.journal import JOURNAL  # noqa: E402
from gongkai_xlsx.outputs.lock import LOCK, OutputLocked  # noqa: E402
from gongkai_xlsx.outputs.names import STAGING  # noqa: E402

__all__ = [
    "JOURNAL",
    "LOCK",
    "MANIFEST",
    "STAGING",
    "CommitResult",
    "OutputConflict",
    "OutputDir",
    "OutputLocked",
    "_manifest_outputs",
]

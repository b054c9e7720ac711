"""A module that imports in the test process but fails to import in a pool worker, as a task
module would whose import needs something only the parent has."""

import multiprocessing

if multiprocessing.parent_process() is not None:
    raise ImportError("这个模块在子进程中无法导入")


def task(_task: object) -> None:
    return None

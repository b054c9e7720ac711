"""The worker pool: each hostile task costs one Failure and the batch goes on; workers are
long-lived, bounded in time and memory, and never outlive the pool (close, Ctrl-C, a parent
killed). Spawn is forced as on Windows and macOS; fork is run once to show both work."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from child_env import child_env
from pool_tasks import children, task

from gongkai_xlsx.pool import Failure, Limits, PoolError, WorkerPool

FAST = Limits(seconds=1.0, memory_mb=64)  # 1 s: a loaded CI machine must not time out an echo
TASKS = Path(__file__).with_name("pool_tasks.py")


def _gone(pid: int) -> bool:
    """Dead and reaped; or dead and no longer ours (a zombie handed to an init that does not
    reap, as in some containers)."""
    try:
        state, ppid = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:2]
    except FileNotFoundError:
        return True
    return state == "Z" and int(ppid) != os.getpid()


@pytest.mark.parametrize(("jobs", "method"), [(1, "spawn"), (2, "spawn"), (2, "fork")])
def test_each_hostile_task_fails_alone(
    jobs: int, method: str, capfd: pytest.CaptureFixture
) -> None:
    specs = [
        ("echo", 0),
        ("sleep", 30),
        ("echo", 2),
        ("allocate", 256),
        ("allocate", 16),
        ("abort", None),
        ("echo", 6),
        ("sigkill", None),
        ("exit", 3),
        ("raise", "第 3 行坏了"),
        ("print-and-abort", "memory allocation of 34359738368 bytes failed"),
        ("warn", None),
        ("unpicklable", None),
        ("echo", 13),
    ]
    with WorkerPool(task, jobs, FAST, start_method=method) as pool:
        assert pool.start_method == method
        got = dict(pool.run(specs))
    assert sorted(got) == list(range(len(specs)))
    assert {i: r.kind for i, r in got.items() if isinstance(r, Failure)} == {
        1: "time",
        3: "memory",
        5: "crash",
        7: "crash",
        8: "crash",
        9: "crash",
        10: "memory",
        12: "crash",
    }
    assert [got[i][0] for i in (0, 2, 6, 13)] == [0, 2, 6, 13]
    assert got[4] == 16 * 1024 * 1024  # the cap leaves room above the baseline
    assert got[11] == "warned"
    assert got[1].detail == "超过 1 秒时间限制"
    assert got[3].detail == "超过 64 MB 内存限制"
    assert got[5].detail == "读取进程被信号 SIGABRT 终止"
    assert got[7].detail == "读取进程被信号 SIGKILL 终止"
    assert got[8].detail == "读取进程退出（退出码 3）"
    assert got[9].detail.startswith("ValueError: 第 3 行坏了 (pool_tasks.py:")
    assert got[10].detail.endswith("：memory allocation of 34359738368 bytes failed")
    assert got[12].detail.startswith("AttributeError: Can't pickle local object")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")  # no traceback, warning or output of a worker reaches us
    assert children() == {}


def test_a_worker_is_replaced_only_after_a_failure() -> None:
    specs = [("echo", 0), ("echo", 1), ("allocate", 256), ("echo", 3), ("sleep", 30)]
    specs += [("echo", 5), ("raise", "x"), ("echo", 7), ("abort", None), ("echo", 9)]
    with WorkerPool(task, 1, FAST, start_method="spawn") as pool:
        got = dict(pool.run(specs))
    pid = {i: got[i][1] for i in (0, 1, 3, 5, 7, 9)}
    assert pid[0] == pid[1]  # one long-lived worker, not one per task
    assert len({pid[0], pid[3], pid[5], pid[9]}) == 4  # memory, time, abort: a new worker
    assert pid[7] == pid[5]  # an exception in the task leaves the worker usable


def test_a_worker_freezes_what_its_first_task_left_and_only_then() -> None:
    """After its first task a worker collects once and freezes what lives on (modules, a
    form's tables): later collections walk only what later tasks make."""
    with WorkerPool(task, 1, FAST, start_method="spawn") as pool:
        got = dict(pool.run([("frozen", None), ("frozen", None), ("frozen", None)]))
    assert got[0][1] == got[1][1] == got[2][1]  # one worker
    assert got[0][0] == 0  # nothing frozen while the first task runs
    assert got[1][0] > 1000 and got[2][0] == got[1][0]  # frozen once, after it


@pytest.mark.parametrize("jobs", [1, 2])
def test_many_tasks_share_the_long_lived_workers(jobs: int) -> None:
    with WorkerPool(task, jobs, FAST, start_method="spawn") as pool:
        got = dict(pool.run(("echo", i) for i in range(500)))
    assert {i: r[0] for i, r in got.items()} == {i: i for i in range(500)}
    assert len({r[1] for r in got.values()}) <= jobs


def test_tasks_are_pulled_lazily_and_an_abandoned_run_leaves_no_late_result() -> None:
    pulled = 0

    def tasks() -> Iterator[tuple[str, float]]:
        nonlocal pulled
        for _ in range(10_000):
            pulled += 1
            yield ("sleep", 0.01)

    with WorkerPool(task, 2, FAST, start_method="spawn") as pool:
        results = pool.run(tasks())
        for _ in range(10):
            next(results)
        assert pulled <= 10 + 2 + 1  # the 10 done, one per worker in flight, one waiting
        results.close()
        assert dict(pool.run([("echo", "a"), ("echo", "b")])).keys() == {0, 1}
        assert {r[0] for r in dict(pool.run([("echo", "c")])).values()} == {"c"}


def test_start_method_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_START_METHOD", "spawn")
    with WorkerPool(task, 1, FAST) as pool:
        assert pool.start_method == "spawn"
    with WorkerPool(task, 1, FAST, start_method="fork") as pool:
        assert pool.start_method == "fork"


def test_a_task_module_that_cannot_load_in_a_worker_is_an_error_not_a_loop() -> None:
    import pool_broken

    with (
        pytest.raises(PoolError, match="读取进程启动失败：ImportError: 这个模块在子进程中无法导入"),
        WorkerPool(pool_broken.task, 2, FAST, start_method="spawn") as pool,
    ):
        list(pool.run([1, 2, 3]))
    assert children() == {}


def test_close_and_keyboard_interrupt_leave_no_process() -> None:
    seen: list[int] = []
    with pytest.raises(KeyboardInterrupt), WorkerPool(task, 2, FAST, start_method="spawn") as pool:
        seen += pool.pids
        for _ in pool.run([("echo", 0), ("sleep", 30), ("sleep", 30)]):
            raise KeyboardInterrupt  # as Ctrl-C in the parent while two tasks run
    assert children() == {}
    assert all(_gone(pid) for pid in seen)


def _parent_script() -> subprocess.Popen[str]:
    env = child_env(TASKS.parent)
    proc = subprocess.Popen(
        [sys.executable, str(TASKS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    return proc


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_starting_worker_cannot_be_interrupted(method: str) -> None:
    """From its first instruction to the moment it ignores SIGINT, a worker holds SIGINT
    blocked: a Ctrl-C during the start of a batch reaches the parent only."""
    with WorkerPool(task, 2, FAST, start_method=method) as pool:
        for pid in pool.pids:  # still importing: a start takes milliseconds at least
            status = dict(
                line.split(":\t", 1)
                for line in Path(f"/proc/{pid}/status").read_text().splitlines()
            )
            blocked_or_ignored = int(status["SigBlk"], 16) | int(status["SigIgn"], 16)
            assert blocked_or_ignored & (1 << (signal.SIGINT - 1))


def test_ctrl_c_to_the_process_group_is_handled_once_in_the_parent() -> None:
    proc = _parent_script()
    assert proc.stdout is not None
    workers = json.loads(proc.stdout.readline())
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: workers get it too
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert json.loads(out) == {}  # after close(): no worker left, not even a zombie
    assert "Traceback" not in err
    assert all(_gone(pid) for pid in workers)


def test_workers_die_with_a_killed_parent() -> None:
    proc = _parent_script()
    assert proc.stdout is not None
    workers = json.loads(proc.stdout.readline())
    proc.kill()
    proc.wait()
    for _ in range(100):
        if all(_gone(pid) for pid in workers):
            break
        time.sleep(0.05)
    assert all(_gone(pid) for pid in workers)


@pytest.mark.skipif(sys.maxsize < 2**32, reason="the layout Windows x64 uses")
def test_the_windows_job_object_structures_have_the_x64_layout() -> None:
    """Windows' memory cap (a job object per worker) cannot run here; its structures can be
    held to the sizes and offsets of winnt.h and psapi.h on x64: a field out of place would
    set some other limit, or none, without any error."""
    import ctypes

    from gongkai_xlsx import pool

    assert ctypes.sizeof(pool._JobBasicLimits) == 64
    assert pool._JobBasicLimits.LimitFlags.offset == 16
    assert pool._JobBasicLimits.Affinity.offset == 48
    assert ctypes.sizeof(pool._JobExtendedLimits) == 144
    assert pool._JobExtendedLimits.ProcessMemoryLimit.offset == 112
    assert ctypes.sizeof(pool._ProcessMemoryCounters) == 72
    assert pool._ProcessMemoryCounters.PagefileUsage.offset == 56
    if sys.platform != "win32":
        assert pool._cap_memory_windows(512) is False  # nothing is set off Windows


def test_a_larger_file_may_take_longer_but_never_unbounded(tmp_path: Path) -> None:
    """A province's 汇总 (2 MB) takes seconds of a busy PC: it gets the limit once more for
    each 256 KB, up to 6 times; a return (30 KB) gets the limit itself."""
    limits = Limits(seconds=10)
    sizes = {"return": 30_000, "edge": 256 * 1024, "summary": 2_000_000, "huge": 64 << 20}
    for name, size in sizes.items():
        with (tmp_path / name).open("wb") as f:
            f.truncate(size)
    got = {name: limits.seconds_for(tmp_path / name) for name in sizes}
    assert got == {"return": 10, "edge": 10, "summary": 60, "huge": 60}
    assert limits.seconds_for(tmp_path / "gone") == 10  # unreadable: the limit itself


def test_each_task_gets_the_time_it_is_given() -> None:
    """With ``time_for``, a task overruns only its own allowance, and its failure says it."""
    allowance = {0.8: 3.0, 1.5: 0.5}  # by how long the task sleeps
    with WorkerPool(task, 1, Limits(seconds=0.5), time_for=lambda s: allowance[s[1]]) as pool:
        results = dict(pool.run([("sleep", 0.8), ("sleep", 1.5)]))
    assert results[0] == ("slept", results[0][1])  # 0.8 s within its 3 s
    assert isinstance(results[1], Failure) and results[1].kind == "time"
    assert "0.5 秒" in results[1].detail

"""A bounded worker pool: every task runs in a child process, so a task that hangs, eats
memory or kills its process (a C library calling ``abort()``) costs one :class:`Failure`
for that task while the others go on.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: it has no per-task time limit, a
dead worker breaks the whole pool without saying which task killed it, and it queues every
submitted task at once. Here each worker holds at most one task, so the parent always knows
whose task died or overran, and tasks are pulled from the iterable only when a worker is
free.

The workers are started once per pool (with ``jobs=1`` too) and reused: a start under
``spawn`` costs 50-100 ms and more with the task's imports, a task round trip some 20-40 µs
(``benchmarks/bench_pool.py``). A worker is replaced only when it is killed for overrunning,
dies, or ran out of memory (its fragmented heap is not reused).

Limits, and where they hold:

- Wall time, per task: everywhere. The parent kills the worker when the task overruns.
- Memory, per worker: ``RLIMIT_AS`` set to the worker's address space after its imports plus
  ``memory_mb``, where the size can be read from ``/proc/self/status`` (Linux). Windows has
  no ``resource`` module: there the worker puts itself in a job object of its own whose
  process memory limit is its committed memory after its imports plus ``memory_mb`` (nested
  jobs need Windows 8 or later; never run on Windows here, only the structures' layout is
  tested). macOS does not enforce ``RLIMIT_AS``: there no memory cap is set, and a huge
  allocation is stopped only by the time limit or the system.

Workers ignore SIGINT: Ctrl-C (which the terminal sends to every process of the group) is
handled once, in the parent, whose :meth:`WorkerPool.close` kills and reaps every worker.
A worker's stdout and stderr go to a pipe the parent reads (POSIX), so nothing a task or a C
library prints reaches the terminal; its last line is quoted in a crash's detail (and an
abort after "memory allocation of N bytes failed" or ``bad_alloc`` counts as memory). On
Linux a worker also dies with its parent (``PR_SET_PDEATHSIG``), so even a parent killed
with SIGKILL leaves no worker busy on a hostile file.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import math
import multiprocessing
import os
import pickle
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Generic, Literal, TypeVar

from gongkai_xlsx.loading import settle

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

T = TypeVar("T")
R = TypeVar("R")

START_METHOD_ENV = "GONGKAI_START_METHOD"
START_TIMEOUT = 120.0  # seconds a worker may take to import; a slow office PC under spawn
_TAIL = 2048  # bytes of a worker's output kept for a crash's detail
_DETAIL = 300  # characters of an exception message or output quoted in a detail
_OOM_MARKS = (b"memory allocation of", b"bad_alloc", b"out of memory", b"MemoryError")


SIZE_STEP = 256 * 1024  # each such step of a file's bytes earns it the time limit again...
SIZE_TIMES = 6  # ...up to this many times the limit


@dataclass(frozen=True)
class Limits:
    """Per task: wall-clock seconds; per worker: megabytes above its baseline address space
    (``None``: no memory cap)."""

    seconds: float = 10.0
    memory_mb: int | None = 512

    def seconds_for(self, path: str | os.PathLike[str]) -> float:
        """The time one file may take: the limit, once more for each 256 KB of the file
        beyond the first, at most 6 times the limit. A return is 30 KB; a province's 汇总
        of 10,000 agencies is 2 MB and takes seconds of a busy PC. Bounded whatever the file."""
        try:
            size = os.stat(path).st_size
        except OSError:
            return self.seconds
        return self.seconds * min(SIZE_TIMES, max(1, -(-size // SIZE_STEP)))


@dataclass(frozen=True)
class Failure:
    """A task that gave no result: it overran the time limit (``time``), ran out of memory
    (``memory``), or its worker died or ``func`` raised (``crash``). ``detail`` is a short
    Chinese description with the exception or the worker's last output, for a finding."""

    kind: Literal["time", "memory", "crash"]
    detail: str


class PoolError(RuntimeError):
    """A worker could not start (the task function cannot be imported in a child, the system
    refuses a process): no task can run, so this is raised instead of retried for ever."""


class _Worker:
    """One child process and the parent's view of it. Two one-way pipes, not a socket pair:
    a round trip through pipes costs about half as much."""

    def __init__(
        self, proc: BaseProcess, tasks: Connection, results: Connection, err: Connection | None
    ) -> None:
        self.proc = proc
        self.tasks = tasks
        self.results: Connection | None = results  # None once it reached its end
        self.err = err
        self.tail = bytearray()
        self.ready = False
        self.index: int | None = None  # the task in flight
        self.allowed = 0.0  # the seconds the task in flight may take
        self.deadline: float | None = time.monotonic() + START_TIMEOUT

    def drain(self) -> None:
        """Keep the last bytes the worker printed; read all there is without blocking."""
        while self.err is not None:
            try:
                chunk = os.read(self.err.fileno(), 65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                chunk = b""
            if not chunk:
                self.err.close()
                self.err = None
                return
            self.tail += chunk
            del self.tail[:-_TAIL]

    def reap(self) -> None:
        """Kill (if still running) and wait for the process, then release its pipes."""
        if self.proc.exitcode is None:
            with contextlib.suppress(OSError, ValueError):
                self.proc.kill()
        self.proc.join()
        self.drain()
        for conn in (self.tasks, self.results, self.err):
            if conn is not None:
                conn.close()
        self.results = self.err = None


class WorkerPool(Generic[T, R]):
    """Run ``func(task)`` for many tasks in ``jobs`` long-lived worker processes.

    ``func`` must be a module-level function (it is pickled by reference and imported again in
    each worker under ``spawn``); tasks and results must be picklable. Use as a context
    manager: leaving it, normally or by an exception (KeyboardInterrupt included), kills and
    reaps every worker.
    """

    def __init__(
        self,
        func: Callable[[T], R],
        jobs: int,
        limits: Limits | None = None,
        start_method: str | None = None,
        *,
        lazy: bool = False,
        time_for: Callable[[T], float] | None = None,
    ) -> None:
        """``lazy``: start the workers when the first task comes, not now (a batch whose
        files were all checked before starts none). ``time_for``: the seconds a task may
        take (``limits.seconds`` for every task without it)."""
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self._func = func
        self._jobs = jobs
        self._limits = limits or Limits()
        self._time_for = time_for
        method = start_method or os.environ.get(START_METHOD_ENV) or None
        self._ctx = multiprocessing.get_context(method)
        self._workers: list[_Worker] = []
        self._running = False
        if os.name == "posix" and self.start_method != "fork":
            # Started by the first spawn otherwise, and its start unblocks SIGINT: the first
            # worker would then start without the mask that keeps Ctrl-C from it.
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        if not lazy:
            self._start_all()

    def _start_all(self) -> None:
        """Start every missing worker, all at once: their imports overlap."""
        try:
            while len(self._workers) < self._jobs:
                self._workers.append(self._start())
        except BaseException:
            self.close()
            raise

    @property
    def start_method(self) -> str:
        return self._ctx.get_start_method()

    @property
    def pids(self) -> list[int]:
        """Process ids of the current workers (for diagnostics and tests)."""
        # A worker is listed once started, so each has its pid.
        return [w.proc.pid for w in self._workers if w.proc.pid is not None]

    def __enter__(self) -> WorkerPool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill and reap every worker; safe to call twice."""
        with _sigint_blocked():  # a second Ctrl-C must not leave half the workers unreaped
            workers, self._workers = self._workers, []
            for w in workers:
                if w.proc.exitcode is None:
                    with contextlib.suppress(OSError, ValueError):
                        w.proc.kill()
            for w in workers:
                w.reap()

    def run(self, tasks: Iterable[T]) -> Iterator[tuple[int, R | Failure]]:
        """Yield ``(index in tasks, result or Failure)`` for every task, in completion order.

        At most one task per worker is taken from ``tasks`` ahead of its result, so a lazy
        iterable of any length costs memory for ``jobs`` tasks only.
        """
        if self._running:
            raise RuntimeError("WorkerPool.run is already running")
        self._running = True
        try:
            source = enumerate(tasks)
            pending: tuple[int, T] | None = None
            more = True
            done: list[tuple[int, R | Failure]] = []
            while True:
                # Refill the workers first, so they work while the caller handles results.
                while more or pending is not None:
                    if pending is None:
                        pending = next(source, None)
                        if pending is None:
                            more = False
                            break
                    worker = next((w for w in self._workers if w.ready and w.index is None), None)
                    if worker is None:
                        if not self._workers:
                            self._start_all()  # a lazy pool's first task
                        elif len(self._workers) < self._jobs:
                            self._workers.append(self._start())
                        break
                    if self._dispatch(worker, *pending):
                        pending = None
                yield from done
                if pending is None and not more and all(w.index is None for w in self._workers):
                    return
                done = self._collect()
        finally:
            self._running = False
            for w in [w for w in self._workers if w.index is not None]:
                self._retire(w)  # abandoned mid-run: its late result must not reach a later run

    # ------------------------------------------------------------------ parent side
    def _start(self) -> _Worker:
        task_reader, tasks = self._ctx.Pipe(duplex=False)
        results, result_writer = self._ctx.Pipe(duplex=False)
        err, err_writer = self._ctx.Pipe(duplex=False) if os.name == "posix" else (None, None)
        # typeshed gives get_context(str) the BaseContext, which declares no Process; every
        # context it returns (fork, spawn, forkserver) has one.
        proc: BaseProcess = self._ctx.Process(  # type: ignore[attr-defined]
            target=_serve,
            # pickled here, loaded in the worker once its output goes to the pipe, so even an
            # import error of the task's module is quoted in PoolError, not printed
            args=(
                pickle.dumps(self._func),
                task_reader,
                result_writer,
                err_writer,
                self._limits.memory_mb,
            ),
            daemon=True,  # killed at interpreter exit even if close() was never called
            name="gongkai-xlsx-worker",
        )
        with _sigint_blocked():  # inherited: the child ignores SIGINT before it can see one
            proc.start()
        task_reader.close()
        result_writer.close()
        if err is not None and err_writer is not None:
            err_writer.close()
            os.set_blocking(err.fileno(), False)
        return _Worker(proc, tasks, results, err)

    def _dispatch(self, worker: _Worker, index: int, task: T) -> bool:
        data = pickle.dumps(task, pickle.HIGHEST_PROTOCOL)  # an unpicklable task is a bug
        worker.tail.clear()
        # Busy before the send: if it is cut short (Ctrl-C), run() retires this worker.
        worker.index = index
        worker.allowed = self._time_for(task) if self._time_for else self._limits.seconds
        worker.deadline = time.monotonic() + worker.allowed
        try:
            worker.tasks.send_bytes(data)
        except OSError:  # it died while idle: replace it, the task waits for another
            self._retire(worker)
            return False
        return True

    def _collect(self) -> list[tuple[int, R | Failure]]:
        """Wait for the next event (a result, a death, a deadline) and handle all that came."""
        waitables: list[Any] = []
        for w in self._workers:
            waitables += [c for c in (w.results, w.err) if c is not None]
            waitables.append(w.proc.sentinel)
        deadlines = [w.deadline for w in self._workers if w.deadline is not None]
        timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
        fired = set(_ready(waitables, timeout))
        results: list[tuple[int, R | Failure]] = []
        for w in list(self._workers):
            if w.err is not None and w.err in fired:
                w.drain()
            if w.results is not None and w.results in fired:
                self._message(w, results)
            if w.proc.sentinel in fired and w in self._workers:
                self._ended(w, results)
        now = time.monotonic()
        for w in list(self._workers):
            if w.deadline is None or now < w.deadline:
                continue
            if w.index is None:
                self._retire(w)
                raise PoolError(f"读取进程在 {START_TIMEOUT:g} 秒内没有启动完成")
            if w.results is not None and w.results.poll():  # the result came just in time
                self._message(w, results)
                if w.index is None:
                    continue
            index, allowed = w.index, w.allowed
            self._retire(w)
            results.append((index, Failure("time", f"超过 {allowed:g} 秒时间限制")))
        return results

    def _message(self, w: _Worker, results: list[tuple[int, R | Failure]]) -> None:
        """Take the one message the worker sent: it is ready, or its task's outcome."""
        assert w.results is not None
        try:
            data = w.results.recv_bytes()
        except (EOFError, OSError):
            w.results.close()
            w.results = None  # it is ending: its sentinel tells when and how
            return
        if not w.ready:  # its first message says it is ready
            w.ready, w.deadline = True, None
            return
        ok, payload = pickle.loads(data)
        assert w.index is not None
        results.append((w.index, payload))
        w.index, w.deadline = None, None
        if not ok and payload.kind == "memory":
            self._retire(w)  # a fragmented heap is not reused

    def _ended(self, w: _Worker, results: list[tuple[int, R | Failure]]) -> None:
        """The worker is gone: a message it sent last still counts, then say what it cost."""
        if w.results is not None and w.results.poll():
            self._message(w, results)
        if w not in self._workers:
            return
        index, started = w.index, w.ready
        self._retire(w)
        if index is not None:
            results.append((index, _death(w.proc.exitcode, bytes(w.tail))))
        elif not started:
            raise PoolError(f"读取进程启动失败{_quote(bytes(w.tail))}")

    def _retire(self, w: _Worker) -> None:
        w.reap()
        if w in self._workers:
            self._workers.remove(w)


def _death(exitcode: int | None, tail: bytes) -> Failure:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"被信号 {signal.Signals(-exitcode).name} 终止"
        except ValueError:
            how = f"被信号 {-exitcode} 终止"
    else:
        how = f"退出（退出码 {exitcode}）"
    kind: Literal["memory", "crash"] = (
        "memory" if any(mark in tail for mark in _OOM_MARKS) else "crash"
    )
    return Failure(kind, f"读取进程{how}{_quote(tail)}")


def _quote(tail: bytes) -> str:
    lines = tail.decode("utf-8", "replace").strip().splitlines()
    return f"：{lines[-1][-_DETAIL:]}" if lines else ""


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Hold SIGINT back from this thread (POSIX); a pending one is delivered on exit."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# ------------------------------------------------------------------ worker side
def _serve(
    func_ref: bytes,
    tasks: Connection,
    results: Connection,
    err: Connection | None,
    memory_mb: int | None,
) -> None:
    """The worker's loop: one task in, one pickled ``(ok, result or Failure)`` out."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _die_with_parent()
    _redirect_output(err)
    try:
        func = pickle.loads(func_ref)  # imports the task's module
    except BaseException as exc:
        print(_describe(exc), file=sys.stderr, flush=True)
        sys.exit(1)
    _cap_memory(memory_mb)  # the baseline includes those imports
    # Built now: after a MemoryError there may be no memory left to build it.
    detail = "内存不足" if memory_mb is None else f"超过 {memory_mb} MB 内存限制"
    out_of_memory = pickle.dumps((False, Failure("memory", detail)))
    results.send_bytes(b"ready")
    settled = False
    while True:
        try:
            message = tasks.recv_bytes()
        except (EOFError, OSError):
            return  # the parent is gone
        oom = False
        try:
            reply = pickle.dumps((True, func(pickle.loads(message))), pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            oom = True  # leaving the except block frees the frames that held the memory
        except BaseException as exc:
            reply = pickle.dumps((False, Failure("crash", _describe(exc))))
        del message
        if oom:
            results.send_bytes(out_of_memory)
            return
        results.send_bytes(reply)
        del reply
        if not settled:
            settled = True
            settle()


def _ready(objects: list[Any], timeout: float | None) -> list[Any]:
    """Those of ``objects`` (connections, process sentinels) ready to read, or at their
    end, waiting ``timeout`` seconds at most (None: until one is): one ``poll`` call on
    POSIX, where ``multiprocessing.connection.wait`` builds a selector for every result
    (10,000 of them); that function elsewhere."""
    if not hasattr(select, "poll"):
        return list(wait(objects, timeout))
    poller = select.poll()
    by_fd: dict[int, list[Any]] = {}
    for obj in objects:
        fd = obj if isinstance(obj, int) else obj.fileno()
        if fd not in by_fd:
            poller.register(fd, select.POLLIN)
        by_fd.setdefault(fd, []).append(obj)
    wait_ms = None if timeout is None else math.ceil(max(0.0, timeout) * 1000)
    return [obj for fd, _event in poller.poll(wait_ms) for obj in by_fd[fd]]


def _redirect_output(err: Connection | None) -> None:
    """Send fds 1 and 2 into the parent's pipe (POSIX), or nowhere (Windows, where a pipe
    handle is no file descriptor): nothing a task or a C library prints reaches the user."""
    target = err.fileno() if err is not None else os.open(os.devnull, os.O_WRONLY)
    os.dup2(target, 1)
    os.dup2(target, 2)
    if err is not None:
        err.close()
    else:
        os.close(target)
    faulthandler.disable()  # inherited under fork, it would dump a stack to the parent's fd
    # Under fork sys.stdout may be whatever the parent had put there (a capture, a progress
    # bar's wrapper): write to fd 1 and 2 themselves, line by line so a crash keeps the tail.
    sys.stdout, sys.stderr = _line_writer(1), _line_writer(2)


def _line_writer(fd: int) -> Any:
    return open(fd, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)


def _describe(exc: BaseException) -> str:
    """``Type: message (file:line in function)``, short: a message may quote a whole cell."""
    try:
        text = f"{type(exc).__name__}: {exc}"[:_DETAIL]
    except Exception:  # an exception whose __str__ fails
        text = type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        f = frames[-1]
        text += f" ({os.path.basename(f.filename)}:{f.lineno} in {f.name})"
    return text


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the parent dies, even mid-task on a hanging file."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def _cap_memory(memory_mb: int | None) -> None:
    if memory_mb is not None and sys.platform == "win32":
        _cap_memory_windows(memory_mb)
        return
    if memory_mb is None or resource is None:
        return
    base = _address_space()
    if base is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = base + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _ProcessMemoryCounters(ctypes.Structure):
    """PROCESS_MEMORY_COUNTERS (psapi.h)."""

    _fields_ = [
        ("cb", ctypes.c_uint32),
        ("PageFaultCount", ctypes.c_uint32),
        ("PeakWorkingSetSize", ctypes.c_size_t),
        ("WorkingSetSize", ctypes.c_size_t),
        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPagedPoolUsage", ctypes.c_size_t),
        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
        ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
        ("PagefileUsage", ctypes.c_size_t),  # committed private memory
        ("PeakPagefileUsage", ctypes.c_size_t),
    ]


class _JobBasicLimits(ctypes.Structure):
    """JOBOBJECT_BASIC_LIMIT_INFORMATION (winnt.h)."""

    _fields_ = [
        ("PerProcessUserTimeLimit", ctypes.c_int64),
        ("PerJobUserTimeLimit", ctypes.c_int64),
        ("LimitFlags", ctypes.c_uint32),
        ("MinimumWorkingSetSize", ctypes.c_size_t),
        ("MaximumWorkingSetSize", ctypes.c_size_t),
        ("ActiveProcessLimit", ctypes.c_uint32),
        ("Affinity", ctypes.c_size_t),
        ("PriorityClass", ctypes.c_uint32),
        ("SchedulingClass", ctypes.c_uint32),
    ]


class _JobExtendedLimits(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION (winnt.h), IO_COUNTERS inlined."""

    _fields_ = [
        ("BasicLimitInformation", _JobBasicLimits),
        ("IoInfo", ctypes.c_uint64 * 6),
        ("ProcessMemoryLimit", ctypes.c_size_t),
        ("JobMemoryLimit", ctypes.c_size_t),
        ("PeakProcessMemoryUsed", ctypes.c_size_t),
        ("PeakJobMemoryUsed", ctypes.c_size_t),
    ]


_JOB_OBJECT_LIMIT_PROCESS_MEMORY = 0x100
_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9  # JOBOBJECTINFOCLASS


def _cap_memory_windows(memory_mb: int) -> bool:
    """Windows: this worker in a job object of its own, whose process memory limit is the
    memory it has committed now (its imports) plus ``memory_mb``; an allocation past it
    fails, as under ``RLIMIT_AS``. False where it could not be set (no cap, as before)."""
    if sys.platform != "win32":
        return False
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetCurrentProcess.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.restype = wintypes.HANDLE
    kernel32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    kernel32.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.c_void_p, wintypes.DWORD]
    kernel32.SetInformationJobObject.argtypes = [
        wintypes.HANDLE,
        ctypes.c_int,
        ctypes.c_void_p,
        wintypes.DWORD,
    ]
    kernel32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    me = kernel32.GetCurrentProcess()
    counters = _ProcessMemoryCounters()
    counters.cb = ctypes.sizeof(counters)
    if not kernel32.K32GetProcessMemoryInfo(me, ctypes.byref(counters), counters.cb):
        return False
    job = kernel32.CreateJobObjectW(None, None)  # kept open: the job lives as long as we do
    if not job:
        return False
    limits = _JobExtendedLimits()
    limits.BasicLimitInformation.LimitFlags = _JOB_OBJECT_LIMIT_PROCESS_MEMORY
    limits.ProcessMemoryLimit = counters.PagefileUsage + memory_mb * 1024 * 1024
    if not kernel32.SetInformationJobObject(
        job, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits), ctypes.sizeof(limits)
    ):
        return False
    return bool(kernel32.AssignProcessToJobObject(job, me))


def _address_space() -> int | None:
    """This process's virtual size in bytes, or None where /proc does not give it."""
    try:
        with open("/proc/self/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None

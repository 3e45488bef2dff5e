"""The build's worker processes: they end with the build that started them, and one that dies without a
word (killed, or aborted inside a C library) is reported by name, with the source it was building.

Workers only ever send back plain data (pipeline/build.py's ``run_unit`` turns every exception into a
one-line message first): an exception object need not survive pickling, and one that does not would
break the pool instead of reporting the source.

A unit can also be given in two steps: ``Pool.wait`` starts a worker on it at once, which warms up (imports
its writers, parses its stylesheet) while this process is still preparing the unit's article, and
``Pool.hand`` then sends it the unit, through a pipe of its own. Its worker is forked before the article
exists, so the article cannot simply be inherited.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Generic, TypeVar

from pipeline.build.faults import STOPPED, WorkerDied, excerpt, how_it_ended
from pipeline.limits import die_with_parent

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import SynchronizedArray

    Slots = SynchronizedArray[int]

Unit = TypeVar("Unit")
Result = TypeVar("Result")

# How long to let the pool's own clean-up reap a dead worker before reading its exit code.
REAP_TIMEOUT_S = 5.0
REAP_POLL_S = 0.01
# Per worker, two numbers in memory shared with the build: its pid and 1 + the index of the unit it is on.
SLOT_WIDTH = 2

# In a worker process: the shared table, this worker's place in it, and the receiving ends of the pipes
# units given in two steps come through.
_slots: Slots | None = None
_slot = -1
_handed: Sequence[Connection] = ()


class Pool(Generic[Unit, Result]):
    """``work`` over units in ``jobs`` processes; results in the order the units were given. A worker that
    dies raises WorkerDied naming it and the label of what it was doing. Closing the pool early (an
    interrupt, a fault) cancels the units not started, ends those waiting for a hand-over that will not
    come, and waits for those running.

    ``waiting`` of the workers start with their first unit given in two steps (``wait``, then ``hand``);
    the others are forked (all of them) when the first other unit is given, so that they start with what
    this process has imported and learnt (pandoc's path) by then."""

    def __init__(
        self, work: Callable[[Unit], Result], jobs: int, label: Callable[[Unit], str], waiting: int = 0
    ) -> None:
        self._work = work
        self._label = label
        self._slots = multiprocessing.Array("q", SLOT_WIDTH * jobs)
        # One pipe per unit given in two steps: (receiving end, sending end).
        self._pipes = [multiprocessing.Pipe(duplex=False) for _ in range(waiting)]
        executor = functools.partial(
            ProcessPoolExecutor,
            # Forked: the workers start with what this process has imported, and inherit the pipes.
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(os.getpid(), self._slots, self._pipes),
        )
        self._early = executor(max_workers=waiting) if waiting else None
        self._later = executor(max_workers=max(jobs - waiting, 1))
        self._futures: list[Future[Result | None]] = []
        self._labels: list[str] = []
        self._workers: list[BaseProcess] = []
        self._handed_to: list[int] = []  # per pipe, the unit it hands over

    def submit(self, unit: Unit) -> None:
        self._add(self._later, lambda index: self._later.submit(_run, self._work, index, unit), self._label(unit))

    def wait(self, label: str, warm: Callable[[], None]) -> int:
        """Start a worker on a unit to be handed over later (``label`` says what it will be); it runs
        ``warm`` meanwhile. Returns the number to hand the unit over with."""
        assert self._early is not None and len(self._handed_to) < len(self._pipes), "as many as said"
        early, channel = self._early, len(self._handed_to)
        self._handed_to.append(len(self._futures))
        self._add(early, lambda index: early.submit(_run_handed, self._work, index, channel, warm), label)
        if len(self._handed_to) == len(self._pipes):  # every waiting worker is forked by now
            for receiving, _sending in self._pipes:
                receiving.close()  # a dead worker's pipe breaks, instead of filling up for nobody
        return channel

    def hand(self, channel: int, unit: Unit) -> None:
        """Send the waiting worker ``channel`` its unit. Blocks until the worker takes it (once warm)."""
        sending = self._pipes[channel][1]
        try:
            if not self._futures[self._handed_to[channel]].done():  # else stopped (interrupted) before
                sending.send_bytes(pickle.dumps(unit, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:  # its worker died: reading the results says so
            pass
        finally:
            sending.close()

    def _add(self, executor: ProcessPoolExecutor, submit: Callable[[int], Future[Result | None]], label: str) -> None:
        before = set(multiprocessing.active_children())
        self._futures.append(submit(len(self._futures)))
        self._labels.append(label)
        # An executor forks all of its workers at its first unit.
        self._workers += (process for process in multiprocessing.active_children() if process not in before)

    def results(self) -> Iterator[Result]:
        for future in self._futures:
            try:
                result = future.result()
            except BrokenProcessPool as error:
                raise WorkerDied(_death(error, self._workers, self._slots, self._labels)) from None
            assert result is not None, "every unit waited for was handed over"
            yield result

    def close(self) -> None:
        """Units already running finish their (atomic) writes; the rest never start."""
        for _receiving, sending in self._pipes:
            sending.close()  # a worker still waiting reads the end of its pipe and stops
        for executor in (self._early, self._later):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Pool[Unit, Result]:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()


def run_in_pool(
    work: Callable[[Unit], Result], units: Sequence[Unit], jobs: int, label: Callable[[Unit], str]
) -> Iterator[Result]:
    """``work`` over ``units`` in ``jobs`` processes, results in the order of ``units`` (see Pool)."""
    with Pool(work, jobs, label) as pool:
        for unit in units:
            pool.submit(unit)
        yield from pool.results()


def _start_worker(parent: int, slots: Slots, pipes: Sequence[tuple[Connection, Connection]]) -> None:
    global _slots, _slot, _handed
    _die_with_parent(parent)
    # The build's own SIGTERM handler (stop like Ctrl-C) is for the build, not for its workers: the pool
    # terminates a worker only when it has to give up on it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Only the build sends: a pipe it closes unused then reads as ended in the worker waiting on it.
    for _receiving, sending in pipes:
        sending.close()
    _handed = [receiving for receiving, _sending in pipes]
    _slots = slots
    with slots.get_lock():
        _slot = next(index for index in range(0, len(slots), SLOT_WIDTH) if slots[index] == 0)
        slots[_slot] = os.getpid()


def _die_with_parent(parent: int) -> None:
    """Be killed when the build is: nothing a worker writes is published without the build, and a worker
    left running would keep working (and keep the build's lock) for nobody."""
    die_with_parent()
    if os.getppid() != parent:  # the build died before the kernel was asked
        os._exit(1)


@contextlib.contextmanager
def _on_unit(index: int) -> Iterator[None]:
    """This worker's slot says it is on unit ``index`` meanwhile (what a dead worker was doing)."""
    assert _slots is not None, "run in a worker started by a Pool"
    _slots[_slot + 1] = index + 1
    try:
        yield
    finally:
        _slots[_slot + 1] = 0


def _run(work: Callable[[Unit], Result], index: int, unit: Unit) -> Result:
    with _on_unit(index):
        return work(unit)


def _run_handed(work: Callable[[Unit], Result], index: int, channel: int, warm: Callable[[], None]) -> Result | None:
    """Warm up, then do the unit handed over through ``channel``; None if the build stopped before."""
    with _on_unit(index):
        with contextlib.suppress(Exception):  # the unit does all of it again, and says what fails
            warm()
        try:
            unit = pickle.loads(_handed[channel].recv_bytes())
        except EOFError:
            return None
        return work(unit)


def _death(error: BrokenProcessPool, workers: list[BaseProcess], slots: Slots, labels: list[str]) -> str:
    """Which worker died, how, and while doing what."""
    deadline = time.monotonic() + REAP_TIMEOUT_S
    for process in workers:
        process.join(REAP_TIMEOUT_S)
        # The pool's own thread may have reaped it a moment ago and not yet noted its exit code.
        while process.exitcode is None and time.monotonic() < deadline:
            time.sleep(REAP_POLL_S)
    # The pool terminates (SIGTERM) the others once one has died.
    dead = [process for process in workers if process.exitcode not in (None, 0, -signal.SIGTERM)]
    if not dead:
        cause = excerpt(error.__cause__) if error.__cause__ is not None else "a worker ended abruptly"
        return f"the build's worker processes stopped: {cause}; {STOPPED}"
    process = dead[0]
    doing = "while idle"
    for index in range(0, len(slots), SLOT_WIDTH):
        if slots[index] == process.pid and slots[index + 1]:
            doing = f"while building {labels[slots[index + 1] - 1]}"
    return f"a build worker (pid {process.pid}) died, {how_it_ended(process.exitcode)}, {doing}; {STOPPED}"

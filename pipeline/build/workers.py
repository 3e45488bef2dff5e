"""The build's worker processes: they end with the build that started them, and one that dies without a
word (killed, or aborted inside a C library) is reported by name, with the source it was building.

Workers only ever send back plain data (pipeline/build.py's ``run_unit`` turns every exception into a
one-line message first): an exception object need not survive pickling, and one that does not would
break the pool instead of reporting the source.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, TypeVar

from pipeline.build.faults import STOPPED, WorkerDied, excerpt, how_it_ended
from pipeline.limits import die_with_parent

if TYPE_CHECKING:
    from multiprocessing.sharedctypes import SynchronizedArray

    Slots = SynchronizedArray[int]

Unit = TypeVar("Unit")
Result = TypeVar("Result")

# How long to let the pool's own clean-up reap a dead worker before reading its exit code.
REAP_TIMEOUT_S = 5.0
# Per worker, two numbers in memory shared with the build: its pid and 1 + the index of the unit it is on.
SLOT_WIDTH = 2

# In a worker process: the shared table and this worker's place in it.
_slots: Slots | None = None
_slot = -1


def run_in_pool(
    work: Callable[[Unit], Result], units: Sequence[Unit], jobs: int, label: Callable[[Unit], str]
) -> Iterator[Result]:
    """``work`` over ``units`` in ``jobs`` processes, results in the order of ``units``. A worker that dies
    raises WorkerDied naming it and ``label(unit)`` of what it was doing. Closing the iterator early (an
    interrupt, a fault) cancels the units not started and waits for those running."""
    slots = multiprocessing.Array("q", SLOT_WIDTH * jobs)
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker, initargs=(os.getpid(), slots))
    before = set(multiprocessing.active_children())
    try:
        futures = [pool.submit(_run, work, index, unit) for index, unit in enumerate(units)]
        workers = [process for process in multiprocessing.active_children() if process not in before]
        for future in futures:
            try:
                result = future.result()
            except BrokenProcessPool as error:
                raise WorkerDied(_death(error, workers, slots, [label(unit) for unit in units])) from None
            yield result
    finally:
        # Units already running finish their (atomic) writes; the rest never start.
        pool.shutdown(wait=True, cancel_futures=True)


def _start_worker(parent: int, slots: Slots) -> None:
    global _slots, _slot
    _die_with_parent(parent)
    # The build's own SIGTERM handler (stop like Ctrl-C) is for the build, not for its workers: the pool
    # terminates a worker only when it has to give up on it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
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


def _run(work: Callable[[Unit], Result], index: int, unit: Unit) -> Result:
    assert _slots is not None, "run in a worker started by run_in_pool"
    _slots[_slot + 1] = index + 1
    try:
        return work(unit)
    finally:
        _slots[_slot + 1] = 0


def _death(error: BrokenProcessPool, workers: list[BaseProcess], slots: Slots, labels: list[str]) -> str:
    """Which worker died, how, and while doing what."""
    for process in workers:
        process.join(REAP_TIMEOUT_S)
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

"""Running a stream of jobs: one after the other, or on a thread pool with a bounded window.

Jobs come from an iterator (the runner reads case files one at a time), and each row goes to
a sink in job order, as soon as it and every row before it are done. On a thread pool, at most
`window` jobs are taken from the iterator and not yet emitted at any time (running, or done
and waiting for an earlier one): memory does not grow with the number of jobs, and the pool
stays busy as long as no job holds the window's head for `window` jobs' time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from harness.run.progress import Progress
from harness.run.results import ResultRow

__all__ = ["WINDOW_PER_WORKER", "run_jobs", "run_pooled"]

J = TypeVar("J")

#: Jobs taken ahead per worker thread (in flight, or done and waiting for an earlier job).
WINDOW_PER_WORKER = 8


def run_jobs(
    jobs: Iterable[J],
    work: Callable[[J], ResultRow],
    sink: Callable[[ResultRow], Any],
    progress: Progress,
    *,
    workers: int | None = None,
) -> None:
    """Run every job; `workers` None: in this thread, else on that many threads (see `run_pooled`)."""
    started = time.perf_counter()
    if workers is None:
        for job in jobs:
            row = work(job)
            sink(row)
            progress.update(row.status)
    else:
        run_pooled(jobs, work, sink, progress, workers=workers)
    progress.close(time.perf_counter() - started)


def run_pooled(
    jobs: Iterable[J],
    work: Callable[[J], ResultRow],
    sink: Callable[[ResultRow], Any],
    progress: Progress,
    *,
    workers: int,
    window: int | None = None,
) -> None:
    """Run the jobs on `workers` threads, at most `window` taken at a time (default: 8 per worker
    on several threads, 1 on one).

    The iterator is only ever advanced in this thread. An exception raised by a job stops the
    intake; the jobs already started finish, the rest of the iterator is not read.
    """
    workers = max(1, workers)
    if window is None:
        window = WINDOW_PER_WORKER * workers if workers > 1 else 1
    limit = max(workers, window)
    source = iter(jobs)
    pending: dict[Future[ResultRow], int] = {}
    done: dict[int, ResultRow] = {}
    taken = emitted = 0
    exhausted = False
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while True:
            while not exhausted and taken - emitted < limit:
                job = next(source, _END)
                if job is _END:
                    exhausted = True
                    break
                pending[pool.submit(work, job)] = taken
                taken += 1
            if not pending:
                break
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                index = pending.pop(fut)
                row = fut.result()
                done[index] = row
                progress.update(row.status)
            while emitted in done:
                sink(done.pop(emitted))
                emitted += 1


_END: Any = object()

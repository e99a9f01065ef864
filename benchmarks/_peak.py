"""Run a Python command line unchanged and, at exit, write its peak RSS (KiB) for `_proc.child`.

    python benchmarks/_peak.py (-m MODULE | -c CODE | FILE) [ARG...]

The file named by `$FCHARNESS_BENCH_PEAK_FILE` receives the `VmHWM` of this process, the
high-water mark of the memory mapped since `exec` (unlike `wait4`'s `ru_maxrss`, it does not
include the benchmark that spawned it). `sys.path[0]` is set as `python` itself would set it
(the current folder for `-m`, `''` for `-c`, the script's folder for a file), not to this
file's folder, so the benchmarks' own modules cannot shadow anything the command imports.
"""

from __future__ import annotations

import atexit
import os
import sys


def _write_peak(out: str) -> None:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                with open(out, "w", encoding="ascii") as w:
                    w.write(line.split()[1])
                return


def main() -> None:
    """Run the command the way `python` would."""
    out = os.environ.pop("FCHARNESS_BENCH_PEAK_FILE", None)
    if out:
        atexit.register(_write_peak, out)
    args = sys.argv[1:]
    if args[0] == "-c":  # no runpy: `python -c` does not import it either
        sys.argv = ["-c", *args[2:]]
        sys.path[0] = ""
        exec(compile(args[1], "<string>", "exec"), {"__name__": "__main__"})
        return
    import runpy

    if args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        sys.path[0] = os.getcwd()
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = args
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
        runpy.run_path(args[0], run_name="__main__")


if __name__ == "__main__":
    main()

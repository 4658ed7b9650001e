"""``make bench``: every benchmark in ``bench/`` (each module with a ``main(argv)``), in
turn, each printing its own report. ``python -m bench.run_all course_page`` runs some."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def benchmark_names() -> list[str]:
    names = []
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name == "run_all" or module.ispkg:
            continue
        if "\ndef main(" in (Path(__file__).parent / f"{module.name}.py").read_text():
            names.append(module.name)
    return sorted(names)


NEEDS_REDIS = {"notifications"}  # run by default only when REDIS_URL names a Redis of the operator's


def main(argv=None) -> int:
    import os

    wanted = list(sys.argv[1:] if argv is None else argv) or [
        name for name in benchmark_names() if name not in NEEDS_REDIS or os.environ.get("REDIS_URL")
    ]
    failed = []
    for name in wanted:
        print(f"== bench.{name}", flush=True)
        try:
            status = importlib.import_module(f"bench.{name}").main([])
        except Exception:  # one broken benchmark must not hide the others' numbers
            traceback.print_exc()
            status = 1
        if status:
            failed.append(name)
        print(flush=True)
    if failed:
        print(f"failed or goal not met: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

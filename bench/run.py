"""`make bench`: run every benchmark script in bench/ in its own process, one after another.

Each script prints its medians with the targets beside them. A script that fails makes the run fail.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(path for path in HERE.glob("*_bench.py"))
    only = set(sys.argv[1:])
    failed = []
    for script in scripts:
        if only and script.stem not in only and script.stem.removesuffix("_bench") not in only:
            continue
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent)
        print(f"--- {script.name}: {time.monotonic() - started:.1f} s, exit {result.returncode}", flush=True)
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

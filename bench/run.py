"""`make bench`: run every benchmark script in bench/ in its own process, one after another.

Each script prints its medians with the targets beside them. A script that fails makes the run fail.
"""

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.machine import describe

HERE = Path(__file__).resolve().parent
# Scripts run once more with these arguments (in a process of their own): the import's peak memory is
# measured apart from its speed, each size in a fresh process.
EXTRA_RUNS = {"import_bench": [["--memory"]]}


def main() -> int:
    scripts = sorted(path for path in HERE.glob("*_bench.py"))
    only = set(sys.argv[1:])
    failed = []
    print(f"make bench on {describe()}", flush=True)
    for script in scripts:
        if only and script.stem not in only and script.stem.removesuffix("_bench") not in only:
            continue
        for arguments in [[], *EXTRA_RUNS.get(script.stem, [])]:
            name = " ".join([script.name, *arguments])
            print(f"\n=== {name} ===", flush=True)
            started = time.monotonic()
            result = subprocess.run([sys.executable, str(script), *arguments], cwd=HERE.parent)
            print(f"--- {name}: {time.monotonic() - started:.1f} s, exit {result.returncode}", flush=True)
            if result.returncode != 0:
                failed.append(name)
    if failed:
        print("failed: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

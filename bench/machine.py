"""One line saying what a benchmark ran on: the interpreter (a build without PGO/LTO is ~20% slower,
README "Production") and the processor."""

import os
import platform
import sys


def describe() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
            model = next(names, "")
    except OSError:
        pass
    return (
        f"{platform.python_implementation()} {platform.python_version()} from {sys.base_prefix}, "
        f"{os.cpu_count()} cores{f' ({model})' if model else ''}"
    )

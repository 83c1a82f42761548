"""Benchmark of the PDF transcript companion (credentials.companion): render time and memory.

Run as `python bench/pdf_bench.py [--repeat N] [--renders R] [--profile]` from the repository root.
Renders the 1-page certificate of one course and the 4-page transcript of a demo graduate's 40-course
ClrCredential (`achievements.demo`), N times each after one warm-up, and prints the median and best
times beside the target (transcript: at most 300 ms median). Then a real PDF worker
(PORTAL_PDF_WORKER=true, one pool process, replaced after 100 renders as the README says) renders the
transcript R times through the broker: the largest memory of its processes (RSS and peak, with PSS and
private beside it; target at most 120 MB a process), and the pool process's RSS after 50 renders beside
the largest (flat: at most 10%). `--profile` adds where one transcript render spends its time
(WeasyPrint's layout, fonts, PDF writing…). Exits 1 only when memory grows. Uses a throw-away SQLite
file and the file broker, or DATABASE_URL and REDIS_URL if set.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.django_setup import setup_django  # noqa: E402
from bench.machine import describe  # noqa: E402

TARGET_TRANSCRIPT_MS = 300.0
TARGET_RSS_MB = 120.0
MEMORY_GROWTH = 0.10


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _memory_mb(pid: int | str = "self") -> dict[str, float]:
    """RSS, PSS (shared pages split between the processes sharing them) and private memory (USS: what
    one more such process costs), from /proc/<pid>/smaps_rollup."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            name, _, value = line.partition(":")
            if value.strip().endswith("kB"):
                fields[name] = int(value.split()[0]) / 1024
    return {
        "rss": fields.get("Rss", 0.0),
        "pss": fields.get("Pss", 0.0),
        "private": fields.get("Private_Clean", 0.0) + fields.get("Private_Dirty", 0.0),
    }


def _peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _pool_child(pid: int) -> int | None:
    """The worker's pool process. A replacement is forked by one of the worker's threads, not always its
    main one, and /proc lists children per thread: read every thread's."""
    pids = []
    try:
        threads = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return None
    for thread in threads:
        try:
            with open(f"/proc/{pid}/task/{thread}/children") as children:
                pids += children.read().split()
        except FileNotFoundError:
            continue
    return max(int(child) for child in pids) if pids else None


# As the README says to run it: the pool process is replaced after this many renders.
MAX_TASKS_PER_CHILD = 100


def _pdf_worker(credential, renders: int, folder: str) -> dict:
    """A real PDF worker (`PORTAL_PDF_WORKER=true python -m clrportal.worker --max-tasks-per-child 100`, one
    prefork pool process) renders the transcript `renders` times through the broker, as in production. Its
    pool process's memory is read after every render: after 50, the largest RSS and peak (VmHWM) any pool
    process reached, and the main process's at the end."""
    from clrportal.celery import app
    from credentials.models import IssuedCredential

    queue = f"pdf-bench-{os.getpid()}"
    env = {
        **os.environ,
        "PORTAL_PDF_WORKER": "true",
        "PORTAL_PDF_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [sys.executable, "-m", "clrportal.worker", "--queues", queue, "--concurrency", "1",
               "--max-tasks-per-child", str(MAX_TASKS_PER_CHILD), "--loglevel", "WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    log_path = Path(folder) / "pdf-worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    rows = IssuedCredential.objects.filter(pk=credential.pk)
    app.conf.task_always_eager = False  # this process renders by direct calls; the worker's go by the broker
    memory = {"largest": {"rss": 0.0, "peak": 0.0, "pss": 0.0, "private": 0.0}, "pool_processes": set()}
    try:
        for done in range(1, renders + 1):
            stored = rows.get()
            if stored.pdf:
                stored.pdf.storage.delete(stored.pdf.name)
            rows.update(pdf="", pdf_rendered_at=None)
            app.send_task("credentials.tasks.render_companion_pdf", [str(credential.pk)], queue=queue)
            deadline = time.monotonic() + 120
            while not rows.exclude(pdf="").exists():
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the PDF worker did not render:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.02)
            child = _pool_child(worker.pid)
            try:  # a pool process that is being replaced may be gone already
                sample = {**_memory_mb(child), "peak": _peak_mb(child)} if child else None
            except (FileNotFoundError, ProcessLookupError):
                sample = None
            if sample:
                memory["pool_processes"].add(child)
                memory["largest"] = {key: max(value, sample[key]) for key, value in memory["largest"].items()}
                if done == min(50, renders):
                    memory["after_50"] = sample
        memory["parent"] = _memory_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    return memory


def _timed(render, credential, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each render (CPU time moves less when other processes load the box)."""
    render(credential)  # warm-up: fonts and stylesheet are loaded once per process
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        render(credential)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return times, cpu


# Where the time goes: the cumulative time of each phase's entry point (fonts: WeasyPrint subsets
# and embeds them while writing the PDF; tags: the structure tree, also while writing).
_PHASES = [
    ("the embedded JSON (json.dumps, indented)", "credentials/companion.py", "credential_json"),
    ("what the pages say (document to context)", "credentials/companion.py", "transcript_context"),
    ("Django template", "django/template/loader.py", "render_to_string"),
    ("QR code (segno)", "credentials/companion.py", "_qr_png"),
    ("HTML parsing (tinyhtml5)", "weasyprint/__init__.py", "__init__"),
    ("CSS cascade (computed styles)", "weasyprint/css/__init__.py", "get_all_computed_styles"),
    ("box tree", "weasyprint/formatting_structure/build.py", "build_formatting_structure"),
    ("layout (pages, tables, line breaking)", "weasyprint/layout/__init__.py", "layout_document"),
    ("PDF: drawing the pages", "weasyprint/document.py", "paint"),
    ("PDF: fonts (subset, embed)", "weasyprint/pdf/fonts.py", "build_fonts_dictionary"),
    ("PDF: tags (structure tree)", "weasyprint/pdf/tags.py", "add_tags"),
    ("PDF: PDF/A metadata, attachment", "weasyprint/pdf/pdfa.py", "pdfa"),
    ("PDF: serializing and compressing (pydyf)", "pydyf/__init__.py", "write"),
    ("after the render: collecting, trimming", "credentials/companion.py", "_give_back_freed_memory"),
]


def _profile(render, credential) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.perf_counter()
    render(credential)
    total = time.perf_counter() - started
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    print(
        f"  where one transcript render spends its time (cumulative, under cProfile: {total * 1000:.0f} ms):"
    )
    for label, filename, function in _PHASES:
        seconds = sum(
            cumulative
            for (path, _line, name), (_calls, _primitive, _own, cumulative, _callers) in stats.items()
            if path.endswith(filename) and name == function
        )
        print(f"    {label:<44} {seconds * 1000:7.1f} ms  {100 * seconds / total:5.1f} %")
    print("  the 15 functions with the most time of their own:")
    by_own = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:15]
    for (path, line, name), (calls, _primitive, own, _cumulative, _callers) in by_own:
        where = "/".join(Path(path).parts[-2:])
        print(f"    {own * 1000:7.1f} ms  {calls:7d} calls  {name} ({where}:{line})")


def _measure(args) -> int:
    """In a process of its own, as a worker is: Django, WeasyPrint and the renders, nothing else."""
    import io

    from pypdf import PdfReader

    from credentials.models import IssuedCredential

    clr = IssuedCredential.objects.select_related("institution", "learner").get(pk=args.clr)
    certificate = IssuedCredential.objects.select_related("institution", "learner").get(pk=args.certificate)
    baseline = _rss_mb()
    from credentials.companion import companion_pdf

    before = _rss_mb()
    pages = len(PdfReader(io.BytesIO(companion_pdf(clr))).pages)
    print(f"PDF companion benchmark: {args.repeat} renders each, after one warm-up, in a fresh process")
    print(f"  on {describe()}")
    for label, credential, target in (
        ("certificate, 1 page", certificate, None),
        (f"transcript, 40 courses, {pages} pages", clr, TARGET_TRANSCRIPT_MS),
    ):
        times, cpu = _timed(companion_pdf, credential, args.repeat)
        median = statistics.median(times)
        verdict = (
            "" if target is None else f"  (target <= {target:.0f} ms: {'ok' if median <= target else 'OVER'})"
        )
        print(
            f"  {label:<34} median {median:7.1f} ms  best {min(times):7.1f} ms  "
            f"(CPU {statistics.median(cpu):.1f} ms){verdict}"
        )
    peak = _peak_rss_mb()
    print(f"  this process (every app loaded, as a worker that also signs): peak RSS {peak:.1f} MB, of which "
          f"Django and the rows {baseline:.1f} MB, importing WeasyPrint {before - baseline:+.1f} MB, "
          f"rendering {peak - before:+.1f} MB")  # fmt: skip
    if args.profile:
        _profile(companion_pdf, clr)
    if args.renders < 50:  # the flatness check compares the pool process after 50 renders with the largest
        print("  the PDF worker: not measured (--renders below 50)")
        return 0

    started = time.perf_counter()
    memory = _pdf_worker(clr, args.renders, os.environ["PDF_BENCH_FOLDER"])
    seconds = (time.perf_counter() - started) / args.renders
    largest, after_50 = memory["largest"], memory["after_50"]
    verdict = "ok" if max(largest["peak"], memory["parent"]["rss"]) <= TARGET_RSS_MB else "OVER"
    print(
        f"  the PDF worker (PORTAL_PDF_WORKER=true, --max-tasks-per-child {MAX_TASKS_PER_CHILD}), "
        f"{args.renders} renders through the broker, {seconds * 1000:.0f} ms each, "
        f"{len(memory['pool_processes'])} pool process(es) in turn:"
    )
    print(f"    largest pool process RSS {largest['rss']:.1f} MB (peak {largest['peak']:.1f}, PSS "
          f"{largest['pss']:.1f}, private {largest['private']:.1f}), main process RSS "
          f"{memory['parent']['rss']:.1f} MB (target <= {TARGET_RSS_MB:.0f} MB a process: "
          f"{verdict})")  # fmt: skip
    growth = (largest["rss"] - after_50["rss"]) / after_50["rss"]
    flat = growth <= MEMORY_GROWTH
    print(f"    pool process RSS after 50 renders {after_50['rss']:.1f} MB, largest over {args.renders}: "
          f"{largest['rss']:.1f} MB ({growth:+.1%}, target flat <= {MEMORY_GROWTH:.0%}: "
          f"{'ok' if flat else 'GROWS'})")  # fmt: skip
    return 0 if flat else 1


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--renders", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--clr", help=argparse.SUPPRESS)
    parser.add_argument("--certificate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"  # signing (and the PDF it enqueues) in-process
    if args.clr:  # the database is migrated and seeded already: only what a worker loads
        import django

        django.setup()
        return _measure(args)
    with tempfile.TemporaryDirectory(prefix="clr-pdf-bench-") as folder:
        os.environ["PDF_BENCH_FOLDER"] = folder
        os.environ.setdefault("MEDIA_ROOT", f"{folder}/media")
        os.environ.setdefault("PORTAL_PRIVATE_MEDIA_ROOT", f"{folder}/private")
        setup_django(folder)
        from achievements import demo
        from achievements.models import Learner
        from credentials import services
        from institutions.models import Institution
        from institutions.services import signing_keys_rotate

        slug = f"pdf-bench-{os.getpid()}"
        institution = Institution.objects.create(slug=slug, name=f"Bench University {slug}")
        signing_keys_rotate(institution=institution)
        demo.seed(institution=institution, students=6)
        graduate = (
            Learner.objects.filter(institution=institution, awards__achievement__human_code=demo.DEGREE_CODE)
            .order_by("student_id")
            .first()
        )
        clr = services.clr_issue(learner=graduate)
        certificate = clr.nested.filter(award__achievement__human_code="CS 101").get()
        command = [sys.executable, __file__, "--clr", str(clr.pk), "--certificate", str(certificate.pk),
                   "--repeat", str(args.repeat), "--renders", str(args.renders)]  # fmt: skip
        return subprocess.run([*command, *(["--profile"] if args.profile else [])], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())

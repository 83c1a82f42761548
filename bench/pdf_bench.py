"""Benchmark of the PDF transcript companion (credentials.companion): render time and memory.

Run as `python bench/pdf_bench.py [--repeat N] [--renders R] [--profile]` from the repository root.
Renders the 1-page certificate of one course and the 4-page transcript of a demo graduate's 40-course
ClrCredential (`achievements.demo`), N times each after one warm-up, and prints the median and best
times beside the target (transcript: at most 300 ms median). Then a real PDF worker (`celery worker`
with PORTAL_PDF_WORKER=true, one pool process) renders the transcript R times through the broker: the
memory of its processes (RSS, with PSS and private beside it; target at most 120 MB a process), and its
pool process's RSS after 50 and after R renders (flat: at most 10% growth). `--profile` adds where one
transcript render spends its time (WeasyPrint's layout, fonts, PDF writing…). Exits 1 only when memory
grows. Uses a throw-away SQLite file and the file broker, or DATABASE_URL and REDIS_URL if set.
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


def _pool_child(pid: int) -> int:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return int(children.read().split()[0])


def _pdf_worker(credential, renders: int, folder: str) -> dict:
    """A real PDF worker (`PORTAL_PDF_WORKER=true python -m clrportal.worker`, one prefork pool process)
    renders the transcript `renders` times through the broker, as in production; its processes' memory
    after 50 renders and after all of them."""
    from clrportal.celery import app
    from credentials.models import IssuedCredential

    queue = f"pdf-bench-{os.getpid()}"
    env = {**os.environ, "PORTAL_PDF_WORKER": "true", "CELERY_TASK_ALWAYS_EAGER": "false"}
    command = [sys.executable, "-m", "clrportal.worker", "--queues", queue,
               "--concurrency", "1", "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
               "--without-heartbeat"]  # fmt: skip
    log_path = Path(folder) / "pdf-worker.log"
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    rows = IssuedCredential.objects.filter(pk=credential.pk)
    app.conf.task_always_eager = False  # this process renders by direct calls; the worker's go by the broker
    memory: dict = {}
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
            if done in (min(50, renders), renders):
                child = _pool_child(worker.pid)
                memory[done] = {"parent": _memory_mb(worker.pid), "child": _memory_mb(child)}
                memory[done]["child"]["peak"] = _peak_mb(child)
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

    started = time.perf_counter()
    memory = _pdf_worker(clr, args.renders, os.environ["PDF_BENCH_FOLDER"])
    seconds = (time.perf_counter() - started) / args.renders
    after_50, after_all = memory[min(50, args.renders)], memory[args.renders]
    largest = max(after_all["parent"]["rss"], after_all["child"]["peak"])
    verdict = "ok" if largest <= TARGET_RSS_MB else "OVER"
    print(f"  the PDF worker (PORTAL_PDF_WORKER=true), {args.renders} renders through the broker, "
          f"{seconds * 1000:.0f} ms each: pool process RSS {after_all['child']['rss']:.1f} MB (peak "
          f"{after_all['child']['peak']:.1f}, PSS {after_all['child']['pss']:.1f}, private "
          f"{after_all['child']['private']:.1f}), main process RSS {after_all['parent']['rss']:.1f} MB "
          f"(target <= {TARGET_RSS_MB:.0f} MB a process: {verdict})")  # fmt: skip
    growth = (after_all["child"]["rss"] - after_50["child"]["rss"]) / after_50["child"]["rss"]
    flat = growth <= MEMORY_GROWTH
    print(f"  pool process RSS after 50 renders {after_50['child']['rss']:.1f} MB; after {args.renders}: "
          f"{after_all['child']['rss']:.1f} MB ({growth:+.1%}, target flat <= {MEMORY_GROWTH:.0%}: "
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

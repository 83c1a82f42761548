"""Benchmark of the PDF transcript companion (credentials.companion): render time and memory.

Run as `python bench/pdf_bench.py [--repeat N] [--renders R] [--profile]` from the repository root.
Renders the 1-page certificate of one course and the 4-page transcript of a demo graduate's 40-course
ClrCredential (`achievements.demo`), N times each after one warm-up, and prints the median and best
times beside the targets (transcript: at most 300 ms median), the process's peak RSS (at most 120 MB),
the memory of a Celery prefork child that renders 50 transcripts (RSS, PSS, and private: what one more
worker process costs, the rest being shared with the pool's parent), and the process's RSS after 50 and
after R transcript renders (flat: at most 10% growth). `--profile` adds where
one transcript render spends its time (WeasyPrint's layout, fonts, PDF writing…). Exits 1 only when
memory grows. Uses a throw-away SQLite file, or the database in DATABASE_URL if set; tasks run in-process.
"""

from __future__ import annotations

import argparse
import cProfile
import json
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


def _prefork_child(render, credential, renders: int) -> dict[str, float] | None:
    """A Celery prefork pool's child: forked from a parent that has loaded Django, the URLconf and
    WeasyPrint (as `celery worker` does, its checks loading the URLconf), it renders `renders` PDFs."""
    if not hasattr(os, "fork"):
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.close(read_end)
            for _ in range(renders):
                render(credential)
            memory = _memory_mb()
            memory["peak"] = _peak_rss_mb()
            os.write(write_end, json.dumps(memory).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(answer) if answer else None


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
    clr.url  # noqa: B018 (loads the URLconf, as signing does in every worker)
    baseline = _rss_mb()
    from credentials.companion import companion_pdf

    before = _rss_mb()
    child = _prefork_child(companion_pdf, clr, 50)
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
    print(f"  peak RSS of the process         {peak:7.1f} MB  (target <= {TARGET_RSS_MB:.0f} MB: "
          f"{'ok' if peak <= TARGET_RSS_MB else 'OVER'}); of which a worker without PDFs: {baseline:.1f} MB "
          f"(Django, URLconf, the rows), importing WeasyPrint: {before - baseline:+.1f} MB, "
          f"rendering: {peak - before:+.1f} MB")  # fmt: skip
    if child:
        rss_ok = "ok" if child["peak"] <= TARGET_RSS_MB else "OVER"
        private_ok = "ok" if child["private"] <= TARGET_RSS_MB else "OVER"
        print(f"  a prefork worker child, 50 renders: RSS {child['rss']:.1f} MB (peak {child['peak']:.1f}), "
              f"PSS {child['pss']:.1f} MB, private {child['private']:.1f} MB (target <= {TARGET_RSS_MB:.0f} "
              f"MB a worker process: RSS {rss_ok}, private {private_ok}); the rest is shared with the "
              "pool's parent, which loaded Django, the URLconf and WeasyPrint once")  # fmt: skip
    if args.profile:
        _profile(companion_pdf, clr)

    after_50 = None
    started = time.perf_counter()
    for done in range(1, args.renders + 1):
        companion_pdf(clr)
        if done == min(50, args.renders):
            after_50 = _rss_mb()
    after_all = _rss_mb()
    growth = (after_all - after_50) / after_50 if after_50 else 0.0
    flat = growth <= MEMORY_GROWTH
    print(f"  RSS after 50 transcript renders {after_50:7.1f} MB; after {args.renders}: {after_all:.1f} MB "
          f"({growth:+.1%}, target flat <= {MEMORY_GROWTH:.0%}: {'ok' if flat else 'GROWS'}; "
          f"{(time.perf_counter() - started) / args.renders * 1000:.0f} ms a render)")  # fmt: skip
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

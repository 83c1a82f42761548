"""Benchmark of bulk issuance with 2 real Celery worker processes (one pool process each).

Run as `python bench/issuance_bench.py [--students N] [--only pg|embedded] [--pdf-worker]` from the
repository root. With `--pdf-worker` the PDF companions go to a queue of their own, taken by a PDF-only
worker of 2 pool processes beside the two (README "Production"): 4 processes on the machine's cores.
For each setup -- PostgreSQL + Redis (when reachable on 127.0.0.1:5432 / 6379; database
`clrportal_bench`, created and dropped here; Redis db 13 on a queue of its own) and the embedded
defaults (SQLite + file broker in a temporary folder) -- it seeds an institution with the demo
catalog and N students of 40 graded courses each, starts two workers with the production settings,
and measures:

  A. AchievementCredentials: one bulk job per term (N x 5 credentials each); credentials per second
     from the job's commit to its last signature, median over the 8 jobs;
  B. ClrCredentials of 40 nested (already signed) credentials: 3 jobs over the students, median CLRs/s;
  C. an end-of-term batch: 5 new courses per student, then `bulk_issue(term=...)` which issues them,
     re-issues each student's CLR (45 nested) and renders its PDF transcript companion: wall time per
     student including the service call, until the job is done (its last PDF stored).

B's jobs wait for their CLRs' PDF companions too: CLRs/s is measured to the job's last signature, PDFs/s
from then to the last PDF (the renders queue behind the signing).

p50/p95 per credential are the workers' own task times (Celery's "succeeded in" lines): a chunk's
time divided by the credentials it signed, and each CLR task's time. The projection for a
10,000-student institution scales C linearly, and is also computed from A and B.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.machine import describe  # noqa: E402

BIN = Path(sys.executable).parent

TARGET_ACHIEVEMENTS_PER_SECOND = 300
TARGET_CLRS_PER_SECOND = 12
TARGET_PDF_MS = 300  # one 40-course transcript (bench/pdf_bench.py measures it alone)
TARGET_BATCH_MINUTES = 30
INSTITUTION_STUDENTS = 10_000
NEW_COURSES_PER_TERM = 5
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "clrportal_bench"
REDIS_BENCH_URL = "redis://127.0.0.1:6379/13"
NEW_TERM = "Fall 2026"

SUCCEEDED = re.compile(
    r"Task credentials\.tasks\.(sign_credentials|sign_clr|render_companion_pdf)\[[^\]]+\] "
    r"succeeded in ([0-9.e-]+)s: (.*)$",
    re.M,
)


# --- orchestration (parent process) -----------------------------------------------------------------


def _reachable(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


def _run_setup(name: str, students: int, env_extra: dict, workdir: Path) -> dict | None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PORTAL_VAR_DIR"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clrportal.settings.production",
        SECRET_KEY="bench-secret-key-" + "x" * 50,
        KEY_ENCRYPTION_KEY="bench-key-encryption-key-" + "y" * 32,
        ALLOWED_HOSTS="portal.bench.example",
        PORTAL_BASE_URL="https://portal.bench.example",
        PORTAL_VAR_DIR=str(workdir / "var"),
        LOG_LEVEL="WARNING",
        EMAIL_URL="smtp://localhost:25",  # production needs a real mail server; the bench sends none
    )
    env.update(env_extra)
    result_path = workdir / "result.json"
    command = [sys.executable, __file__, "--child", name, "--students", str(students)]
    command += ["--out", str(result_path)]
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode != 0 or not result_path.exists():
        print(f"[{name}] failed (exit {completed.returncode})")
        return None
    return json.loads(result_path.read_text())


def _verdict(value: float, target: float, *, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "OK" if ok else "BELOW TARGET" if higher_is_better else "OVER TARGET"


def _report(name: str, r: dict) -> None:
    a, b, c = r["achievements"], r["clrs"], r["batch"]
    workers = "2 workers x 1 process" + (" + a PDF-only worker x 2" if r.get("pdf_worker") else "")
    print(f"\n[{name}] {r['students']} students, {workers}, prefetch {r['prefetch']}")
    print(
        f"  AchievementCredentials  median {a['median_per_second']:8.1f} /s  (target >= "
        f"{TARGET_ACHIEVEMENTS_PER_SECOND}/s: "
        f"{_verdict(a['median_per_second'], TARGET_ACHIEVEMENTS_PER_SECOND)})"
        f"   jobs of {a['per_job']}: {', '.join(f'{x:.0f}' for x in a['per_second'])}"
    )
    print(
        f"     per credential (worker task time / chunk)  p50 {a['p50_ms']:.2f} ms  p95 {a['p95_ms']:.2f} ms;"
        f"  service bulk_issue {a['service_ms_per_credential']:.2f} ms/credential"
    )
    print(
        f"  ClrCredentials ({b['nested']} nested)  median {b['median_per_second']:6.2f} /s  (target >= "
        f"{TARGET_CLRS_PER_SECOND}/s: {_verdict(b['median_per_second'], TARGET_CLRS_PER_SECOND)})"
        f"   jobs of {b['per_job']}: {', '.join(f'{x:.1f}' for x in b['per_second'])}"
    )
    print(
        f"     per CLR (worker task time)  p50 {b['p50_ms']:.1f} ms  p95 {b['p95_ms']:.1f} ms;"
        f"  service clr_issue {b['service_ms_per_clr']:.1f} ms/CLR"
    )
    print(
        f"  PDF transcript companions (40 courses)  median {b['median_pdfs_per_second']:6.2f} /s"
        f"   jobs: {', '.join(f'{x:.1f}' for x in b['pdfs_per_second'])};  per PDF (worker task time)"
        f"  p50 {b['pdf_p50_ms']:.0f} ms  p95 {b['pdf_p95_ms']:.0f} ms (target <= {TARGET_PDF_MS} ms: "
        f"{_verdict(b['pdf_p50_ms'], TARGET_PDF_MS, higher_is_better=False)})"
    )
    cpu, tasks = c["cpu"], c["task_seconds"]
    print(
        f"     CPU during the batch: machine {cpu['machine_busy']:.1f} s of {cpu['machine_all']:.1f} s "
        f"({100 * cpu['machine_busy'] / cpu['machine_all']:.0f} % busy, of which "
        f"{cpu.get('machine_steal', 0.0):.1f} s stolen by the hypervisor); workers {cpu['workers']:.1f} s, "
        f"PostgreSQL {cpu['postgres']:.1f} s, Redis {cpu['redis']:.1f} s, the bench (service call, "
        f"polling) {cpu['bench']:.1f} s; tasks' own time: signing {tasks[0] + tasks[1]:.1f} s "
        f"(credentials {tasks[0]:.1f}, CLRs {tasks[1]:.1f}), PDFs {tasks[2]:.1f} s"
    )
    projected = c["seconds_per_student"] * INSTITUTION_STUDENTS / 60
    modelled = (
        INSTITUTION_STUDENTS * NEW_COURSES_PER_TERM / a["median_per_second"]
        + INSTITUTION_STUDENTS / b["median_per_second"]
        + INSTITUTION_STUDENTS / b["median_pdfs_per_second"]
    ) / 60
    print(
        f"  end-of-term batch ({c['students']} students: {c['achievements']} new credentials + "
        f"{c['clrs']} CLRs of {c['nested']} nested + {c['pdfs']} PDF companions): {c['seconds']:.1f} s "
        f"(service {c['service_seconds']:.1f} s, signed after {c['signing_seconds']:.1f} s, last PDF after "
        f"{c['drain_seconds']:.1f} s)"
    )
    print(
        f"  projected for {INSTITUTION_STUDENTS:,} students: {projected:6.1f} min measured-batch scaling, "
        f"{modelled:6.1f} min from A+B rates with PDFs (target <= {TARGET_BATCH_MINUTES} min: "
        f"{_verdict(projected, TARGET_BATCH_MINUTES, higher_is_better=False)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=0, help="per setup (default 150 PG, 60 SQLite)")
    parser.add_argument("--only", choices=["pg", "embedded"])
    parser.add_argument("--pdf-worker", action="store_true", help="PDFs on a PDF-only worker of their own")
    parser.add_argument("--child")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        return _child(args)

    load = os.getloadavg()[0]
    print(f"Issuance benchmark: 2 worker processes on {describe()}, load average {load:.2f}")
    results = {}
    # Read by the settings of every process (its routes), the child's workers included.
    pdf_queue = {"PORTAL_PDF_QUEUE": f"bench-pdf-{uuid.uuid4().hex[:10]}"} if args.pdf_worker else {}
    if args.only in (None, "pg"):
        if _reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379):
            workdir = Path(tempfile.mkdtemp(prefix="clr-bench-pg-"))
            try:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
                _pg_admin(f"CREATE DATABASE {PG_BENCH_DB}")
                url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_BENCH_DB
                setup = {"DATABASE_URL": url, "REDIS_URL": REDIS_BENCH_URL, **pdf_queue}
                results["PostgreSQL + Redis"] = _run_setup("pg", args.students or 150, setup, workdir)
            finally:
                _pg_admin(f"DROP DATABASE IF EXISTS {PG_BENCH_DB} WITH (FORCE)")
                shutil.rmtree(workdir, ignore_errors=True)
        else:
            print("PostgreSQL or Redis not reachable on 127.0.0.1: skipping that setup")
    if args.only in (None, "embedded"):
        workdir = Path(tempfile.mkdtemp(prefix="clr-bench-embedded-"))
        try:
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
            results["SQLite + file broker"] = _run_setup(
                "embedded", args.students or 60, {"DATABASE_URL": url, **pdf_queue}, workdir
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    for name, result in results.items():
        if result:
            _report(name, result)
    return 0 if results and all(results.values()) else 1


# --- one setup (child process, configured by its environment) ----------------------------------------


def _cpu_seconds(worker_groups: set[int]) -> dict[str, tuple[float, float]]:
    """Per process of the workers, PostgreSQL, Redis and this one: (its own CPU time, user + system, and
    that of its children it reaped: a PostgreSQL backend or pool process that exited), from /proc; and
    of the whole machine: busy, stolen and all cores' elapsed, under the keys `machine_*`."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) in worker_groups:  # process group
            kind = "workers"
        elif comm.startswith(("postgres", "redis")):
            kind = "postgres" if comm.startswith("postgres") else "redis"
        elif int(entry) == os.getpid():
            kind = "bench"
        else:
            continue
        own = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        reaped = (int(fields[13]) + int(fields[14])) / tick  # cutime, cstime
        seconds[(kind, entry)] = (own, reaped)
    with open("/proc/stat") as stat:
        times = [int(value) for value in stat.readline().split()[1:]]
    seconds["machine_busy"] = (sum(times) - times[3] - times[4]) / tick  # without idle and iowait
    # Time the hypervisor gave this machine's cores to other guests: a share of it makes every figure
    # here slower than the code is, and comparing runs meaningless.
    seconds["machine_steal"] = (times[7] if len(times) > 7 else 0) / tick
    seconds["machine_all"] = sum(times) / tick
    return seconds


def _cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds between two `_cpu_seconds` readings by kind. A process that exited in between counts
    through its parent's reaped time: all of its life, so slightly more than its share of the window."""
    used = {"workers": 0.0, "postgres": 0.0, "redis": 0.0, "bench": 0.0}
    for key, value in after.items():
        if isinstance(key, str):  # machine_*
            used[key] = value - before[key]
            continue
        own, reaped = value
        own_before, reaped_before = before.get(key, (0.0, 0.0))
        used[key[0]] += own - own_before + reaped - reaped_before
    return used


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(round(share * (len(ordered) - 1)), len(ordered) - 1)]


class Workers:
    def __init__(self, queue: str, logdir: Path, prefetch: int):
        self.queue = queue
        self.logdir = logdir
        self.prefetch = prefetch
        self.processes: list[subprocess.Popen] = []
        self.offsets: list[int] = []

    def start(self, count: int, *, pdf_queue: str = "") -> None:
        """`count` workers of one pool process on the queue; with `pdf_queue`, a PDF-only worker of two
        beside them. Otherwise the work the workers send themselves (a signed CLR's PDF render) goes to
        the same queue."""
        env = dict(
            os.environ,
            LOG_LEVEL="INFO",
            CELERY_WORKER_PREFETCH_MULTIPLIER=str(self.prefetch),
            CELERY_TASK_DEFAULT_QUEUE=self.queue,
        )
        kinds = [(self.queue, 1, env)] * count
        if pdf_queue:
            kinds.append((pdf_queue, 2, dict(env, PORTAL_PDF_WORKER="true")))
        for number, (queue, concurrency, worker_env) in enumerate(kinds):
            log = open(self.logdir / f"worker-{number}.log", "wb")  # noqa: SIM115 - closed with the process
            command = [
                str(BIN / "python"), "-m", "clrportal.worker", "--queues", queue,
                "--concurrency", str(concurrency),
                "--hostname", f"bench{number}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=ROOT, env=worker_env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            process.log = log
            self.processes.append(process)
        deadline = time.monotonic() + 60
        count = len(kinds)
        while not all(" ready." in self._text(n) for n in range(count)):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                logs = "\n".join(self._text(n) for n in range(count))
                raise RuntimeError("workers did not start:\n" + logs)
            time.sleep(0.2)
        self.offsets = [len(self._text(n)) for n in range(count)]

    def _text(self, number: int) -> str:
        return (self.logdir / f"worker-{number}.log").read_text(errors="replace")

    def task_times(self) -> tuple[list[float], list[float], list[float]]:
        """Per-credential task times (s) since the last call: (achievement credentials, CLRs, PDFs)."""
        per_credential, per_clr, per_pdf = [], [], []
        for number in range(len(self.processes)):
            text = self._text(number)
            new, self.offsets[number] = text[self.offsets[number] :], len(text)
            for task, seconds, value in SUCCEEDED.findall(new):
                if task == "sign_clr":
                    per_clr.append(float(seconds))
                elif task == "render_companion_pdf":
                    per_pdf.append(float(seconds))
                else:
                    signed = int(re.search(r"'signed': (\d+)", value).group(1))
                    if signed:
                        per_credential.extend([float(seconds) / signed] * signed)
        return per_credential, per_clr, per_pdf

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            process.log.close()


def _seed(students: int):
    """The demo catalog and `students` learners with 40 graded courses each (bulk inserts)."""
    from achievements.demo import COURSES, TERMS, seed_catalog
    from achievements.models import Achievement, Award, AwardResult, AwardSource, Learner, ResultDescription
    from institutions.services import institution_create

    institution = institution_create(slug="bench", name="Bench State University")
    seed_catalog(institution=institution)
    catalog = {a.human_code: a for a in Achievement.objects.filter(institution=institution)}
    grades = {
        d.version_id: d
        for d in ResultDescription.objects.filter(
            version__achievement__institution=institution, result_type="LetterGrade"
        )
    }
    learners = Learner.objects.bulk_create(
        Learner(
            institution=institution,
            student_id=f"B{n:06d}",
            sourced_id=f"usr-b{n:06d}",
            given_name=f"Given{n}",
            family_name=f"Family{n}",
            email=f"b{n}@students.bench.example",
        )
        for n in range(1, students + 1)
    )
    awards, results = [], []
    for n, learner in enumerate(learners):
        for index, (code, _name, credits, _field) in enumerate(COURSES):
            term, start, end = TERMS[index // 5]
            achievement = catalog[code]
            award = Award(
                institution=institution, learner=learner, achievement=achievement,
                achievement_version_id=achievement.current_version_id, term=term, credits_earned=credits,
                activity_start_date=start, activity_end_date=end, awarded_date=end, source=AwardSource.DEMO,
            )  # fmt: skip
            awards.append(award)
            description = grades.get(achievement.current_version_id)
            if description:
                grade = "ABCDA"[(n + index) % 5]
                results.append((award, description, grade))
    Award.objects.bulk_create(awards, batch_size=2000)
    AwardResult.objects.bulk_create(
        (AwardResult(award=a, result_description=d, value=v, status="Completed") for a, d, v in results),
        batch_size=2000,
    )
    return institution, learners


def _new_term(institution, learners) -> None:
    """Five new courses, taken by every student in NEW_TERM."""
    from datetime import date

    from achievements.models import Award, AwardResult, AwardSource
    from tests.factories import make_achievement

    courses = [
        make_achievement(institution, f"CS 5{n:02d}", name=f"Graduate Seminar {n}") for n in range(1, 6)
    ]
    awards, results = [], []
    for learner in learners:
        for course in courses:
            award = Award(
                institution=institution, learner=learner, achievement=course,
                achievement_version_id=course.current_version_id, term=NEW_TERM, credits_earned=4,
                activity_start_date=date(2026, 8, 24), activity_end_date=date(2026, 12, 11),
                awarded_date=date(2026, 12, 16), source=AwardSource.DEMO,
            )  # fmt: skip
            awards.append(award)
            results.append((award, course.current_version.result_descriptions.get()))
    Award.objects.bulk_create(awards, batch_size=2000)
    AwardResult.objects.bulk_create(
        (AwardResult(award=a, result_description=d, value="B", status="Completed") for a, d in results),
        batch_size=2000,
    )


def _wait(job, timeout: float = 1800) -> float:
    """When the job is done (time.time(), polled every 50 ms)."""
    from credentials.models import IssuanceJob

    deadline = time.monotonic() + timeout
    while True:
        state = IssuanceJob.objects.filter(pk=job.pk).values_list("state", flat=True).get()
        if state != IssuanceJob.State.RUNNING:
            finished = time.time()
            job.refresh_from_db()
            if job.failed:
                raise RuntimeError(f"{job.failed} credentials failed in job {job}")
            return finished
        if time.monotonic() > deadline:
            raise RuntimeError(f"job {job} did not finish in {timeout} s")
        time.sleep(0.05)


def _clr_job(institution, learners):
    from django.db import transaction

    from credentials import services
    from credentials.models import IssuanceJob, IssuedCredential

    with transaction.atomic():
        job = IssuanceJob.objects.create(institution=institution, description="bench CLRs")
        for learner in learners:
            services.clr_issue(learner=learner, job=job)
        job.total = IssuedCredential.objects.filter(job=job).count()
        job.pdfs_expected = len(learners)  # as bulk_issue counts them: one per CLR
        job.save(update_fields=["total", "pdfs_expected"])
    return job


def _last_signature(job) -> float:
    """When the job's last credential was signed, on the clock of time.time() (the workers' wall clock)."""
    from django.db.models import Max

    return job.credentials.aggregate(last=Max("signed_at"))["last"].timestamp()


def _child(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from clrportal.celery import app
    from credentials import services
    from credentials.models import IssuedCredential

    queue = f"bench-{uuid.uuid4().hex[:10]}"
    app.conf.task_default_queue = queue
    logdir = Path(os.environ["PORTAL_VAR_DIR"])
    logdir.mkdir(parents=True, exist_ok=True)
    prefetch = int(os.environ.get("CELERY_WORKER_PREFETCH_MULTIPLIER", "4"))
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    institution, learners = _seed(args.students)
    print(f"[{args.child}] seeded {args.students} students x 40 awards in {time.monotonic() - started:.1f} s")
    workers = Workers(queue, logdir, prefetch)
    try:
        pdf_queue = os.environ.get("PORTAL_PDF_QUEUE", "")
        workers.start(2, pdf_queue=pdf_queue)
        workers.task_times()

        # A. AchievementCredentials, one job per term.
        from achievements.demo import TERMS

        rates, service_ms = [], []
        for term, _start, _end in TERMS:
            begin = time.time()
            job = services.bulk_issue(
                institution=institution, selection=services.Selection(term=term), with_clrs=False
            )
            committed = time.time()
            rates.append(job.total / (_wait(job) - committed))
            service_ms.append(1000 * (committed - begin) / job.total)
        per_credential, _, _ = workers.task_times()
        achievements = {
            "per_job": job.total,
            "per_second": rates,
            "median_per_second": statistics.median(rates),
            "p50_ms": 1000 * _percentile(per_credential, 0.5),
            "p95_ms": 1000 * _percentile(per_credential, 0.95),
            "service_ms_per_credential": statistics.median(service_ms),
        }
        print(f"[{args.child}] A: {', '.join(f'{r:.0f}' for r in rates)} credentials/s")

        # B. CLRs of 40 signed credentials, in 3 jobs, each with its PDF transcript companion.
        rates, pdf_rates, service_ms = [], [], []
        thirds = [learners[i::3] for i in range(3)]
        for group in thirds:
            begin = time.time()
            job = _clr_job(institution, group)
            committed = time.time()
            finished = _wait(job)
            signed = _last_signature(job)
            rates.append(job.total / (signed - committed))
            pdf_rates.append(job.pdfs_rendered / max(finished - signed, 1e-3))
            service_ms.append(1000 * (committed - begin) / job.total)
        _, per_clr, per_pdf = workers.task_times()
        sample = IssuedCredential.objects.filter(kind="ClrCredential").first()
        clrs = {
            "per_job": len(thirds[0]),
            "nested": sample.nested.count(),
            "per_second": rates,
            "median_per_second": statistics.median(rates),
            "p50_ms": 1000 * _percentile(per_clr, 0.5),
            "p95_ms": 1000 * _percentile(per_clr, 0.95),
            "service_ms_per_clr": statistics.median(service_ms),
            "pdfs_per_second": pdf_rates,
            "median_pdfs_per_second": statistics.median(pdf_rates),
            "pdf_p50_ms": 1000 * _percentile(per_pdf, 0.5),
            "pdf_p95_ms": 1000 * _percentile(per_pdf, 0.95),
        }
        print(f"[{args.child}] B: {', '.join(f'{r:.1f}' for r in rates)} CLRs/s, "
              f"{', '.join(f'{r:.1f}' for r in pdf_rates)} PDFs/s")  # fmt: skip

        # C. End of term: 5 new courses per student, then one bulk job that issues them, new CLRs and
        # their PDF companions.
        _new_term(institution, learners)
        workers.task_times()
        groups = {process.pid for process in workers.processes}
        cpu_before = _cpu_seconds(groups)
        begin = time.time()
        job = services.bulk_issue(institution=institution, selection=services.Selection(term=NEW_TERM))
        committed = time.time()
        finished = _wait(job)
        cpu = _cpu_used(cpu_before, _cpu_seconds(groups))
        task_seconds = [sum(times) for times in workers.task_times()]
        new_clrs = IssuedCredential.objects.filter(job=job, kind="ClrCredential")
        batch = {
            "students": len(learners),
            "achievements": job.total - new_clrs.count(),
            "clrs": new_clrs.count(),
            "pdfs": job.pdfs_rendered,
            "pdfs_failed": job.pdfs_failed,
            "nested": new_clrs.first().nested.count(),
            "seconds": finished - begin,
            "service_seconds": committed - begin,
            "signing_seconds": _last_signature(job) - committed,
            "drain_seconds": finished - committed,
            "seconds_per_student": (finished - begin) / len(learners),
            "cpu": cpu,
            "task_seconds": task_seconds,
        }
        if job.pdfs_rendered != len(learners):
            raise RuntimeError(f"{job.pdfs_rendered} PDFs rendered for {len(learners)} students")
        print(f"[{args.child}] C: {batch['seconds']:.1f} s for {len(learners)} students")
    finally:
        workers.stop()
        if os.environ.get("REDIS_URL"):
            with app.connection_for_write() as conn:
                for name in filter(None, (queue, pdf_queue)):
                    conn.default_channel.queue_delete(name)
                    conn.default_channel.client.delete(
                        name, f"_kombu.binding.{name}", f"_kombu.binding_permanent.{name}"
                    )
    result = {"students": args.students, "prefetch": prefetch, "pdf_worker": bool(pdf_queue)}
    result.update(achievements=achievements, clrs=clrs, batch=batch)
    Path(args.out).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

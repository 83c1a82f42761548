"""manage.py import_records --institution SLUG FILE [--dry-run] [--valid-only]"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from achievements.imports import records_import
from achievements.imports.limits import file_size
from institutions.models import Institution


class Command(BaseCommand):
    help = (
        "Import awards from the SIS: the award CSV (docs/sis-import.md) or a OneRoster 1.2 bundle (.zip). "
        "The file is checked first; with problems nothing is written unless --valid-only is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--institution", required=True, help="The institution's slug.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, write nothing.")
        parser.add_argument(
            "--valid-only", action="store_true", help="Import the rows without problems; report the others."
        )
        parser.add_argument("--format", choices=["csv", "oneroster"], help="Default: a .zip is OneRoster.")
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, file: Path, institution: str, **options):
        found = Institution.objects.filter(slug=institution).first()
        if found is None:
            raise CommandError(f"No institution with the slug {institution!r}.")
        try:
            if file.stat().st_size > settings.PORTAL_IMPORT_MAX_BYTES:
                raise CommandError(
                    f"{file.name} is larger than {file_size(settings.PORTAL_IMPORT_MAX_BYTES)}, the most one "
                    "import reads (PORTAL_IMPORT_MAX_BYTES): split it into several files."
                )
            # Streamed, not read whole: the import's memory stays flat however many rows the file has.
            stream = file.open("rb")
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None

        bars = []

        def progress(total):
            bar = tqdm(
                total=total,
                unit="row",
                desc="Checking (dry run)" if options["dry_run"] else "Importing",
                disable=options["no_progress"] or None,
                file=self.stderr._out,
            )
            bars.append(bar)
            return bar.update

        with stream:
            report = records_import(
                institution=found,
                stream=stream,
                file_name=file.name,
                file_format=options["format"],
                dry_run=options["dry_run"],
                valid_only=options["valid_only"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        for bar in bars:
            bar.close()
        for problem in report.problems:
            self.stdout.write(str(problem))
        listed = (
            "listed above"
            if len(report.problems) == report.problem_count
            else f"the first {len(report.problems):,} listed above"
        )
        summary = (
            f"{report.rows} rows, {report.valid_rows} without problems, {report.problem_count} problems "
            f"on {report.bad_lines} lines."
        )
        counts = (
            f"{report.created} awards created, {report.updated} updated, {report.unchanged} unchanged, "
            f"{report.withdrawn_kept} withdrawn left as they are; "
            f"{report.learners_created} learners created, {report.learners_updated} updated."
        )
        terms = (
            f"Terms: {report.terms_created} created, {report.terms_updated} updated."
            if report.terms_created or report.terms_updated
            else ""
        )
        blocking = "; ".join(str(problem) for problem in report.blocking)
        if report.refused:
            raise CommandError(f"{file.name} is refused, nothing was read further or written: {blocking}")
        if options["dry_run"] or report.written:
            for course in report.new_achievements:
                self.stdout.write(f"New achievement: {course}, courses.csv line {course.line}")
        if options["dry_run"]:
            self.stdout.write(summary)
            self.stdout.write("Dry run, nothing written. Importing the valid rows would give: " + counts)
            if terms:
                self.stdout.write(terms)
            if blocking:
                raise CommandError(f"Nothing in {file.name} can be imported until this is fixed: {blocking}")
            if report.problems:
                raise CommandError(f"{file.name} has {report.problem_count} problems ({listed}).")
        elif report.written:
            self.stdout.write(summary)
            if terms:
                self.stdout.write(terms)
            skipped = (
                f" Skipped {report.skipped} rows with problems (listed above)." if report.skipped else ""
            )
            self.stdout.write(self.style.SUCCESS(f"Imported {file.name}: {counts}{skipped}"))
        elif not report.problems:
            self.stdout.write(summary)
            self.stdout.write(f"{file.name} holds no award rows: nothing to import.")
        else:
            self.stdout.write(summary)
            found = f"Nothing was imported: {file.name} has {report.problem_count} problems ({listed})."
            if blocking:
                # No row can be imported, with --valid-only or without: say what stands in the way.
                raise CommandError(f"{found} Every row depends on this, so fix it first: {blocking}")
            if report.valid_rows:
                raise CommandError(
                    f"{found} Fix the file, or run again with --valid-only to import only the rows without "
                    "problems."
                )
            raise CommandError(f"{found} No row is without problems: fix the file and import it again.")

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from credentials import services
from credentials.models import CredentialState, IssuanceJob
from institutions.models import Institution


class Command(BaseCommand):
    help = (
        "Issue every award not yet issued (optionally of one term), then a ClrCredential for each learner "
        "whose record changed. Signing happens in the Celery workers; --wait follows the job to its end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--institution", required=True, help="The institution's slug.")
        parser.add_argument("--term", help="Only awards of this term, e.g. 'Fall 2025'.")
        parser.add_argument("--no-clr", action="store_true", help="Do not issue ClrCredentials.")
        parser.add_argument(
            "--wait", action="store_true", help="Show progress until done; exit 1 if any failed."
        )
        parser.add_argument("--timeout", type=int, default=3600, help="Seconds --wait waits at most.")

    def handle(self, *args, **options):
        try:
            institution = Institution.objects.get(slug=options["institution"])
        except Institution.DoesNotExist:
            raise CommandError(f"No institution with the slug {options['institution']!r}.") from None
        selection = services.Selection(term=options.get("term"))
        job = services.bulk_issue(
            institution=institution, selection=selection, with_clrs=not options["no_clr"]
        )
        self.stdout.write(f"Job {job.id}: {job.description}: {job.total} credential(s) to sign.")
        if not options["wait"]:
            return
        self._follow(job, timeout=options["timeout"])
        job.refresh_from_db()
        self.stdout.write(f"{job.get_state_display()}: {job.signed} signed, {job.failed} failed.")
        if job.failed:
            for credential in job.credentials.filter(state=CredentialState.FAILED)[:20]:
                self.stderr.write(f"  {credential.kind} {credential.id}: {credential.error}")
            raise CommandError(
                f"{job.failed} credential(s) failed; fix the cause and retry from the job page."
            )

    def _follow(self, job: IssuanceJob, *, timeout: int):
        deadline = time.monotonic() + timeout
        with tqdm(total=job.total, unit="credential", disable=job.total == 0) as progress:
            while True:
                job.refresh_from_db()
                progress.n = job.signed + job.failed
                progress.refresh()
                if not job.is_running:
                    return
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"The job did not finish within {timeout} s; {job.queued} still queued."
                    )
                time.sleep(0.5)

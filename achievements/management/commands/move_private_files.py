"""manage.py move_private_files: SIS import and evidence files out of MEDIA_ROOT (once, after upgrading)."""

from django.core.management.base import BaseCommand

from achievements.services import private_files_move


class Command(BaseCommand):
    help = (
        "Move SIS import files and evidence files uploaded before they were private from MEDIA_ROOT to "
        "PORTAL_PRIVATE_MEDIA_ROOT, and delete those of rejected imports. Safe to run again."
    )

    def handle(self, *args, **options):
        outcome = private_files_move()
        if options["verbosity"] < 1:
            return
        for old, new in outcome.renamed:
            self.stdout.write(f"{old} is now {new}: a newer private file had its name.")
        self.stdout.write(
            f"Moved {outcome.moved} files to the private storage; "
            f"deleted {outcome.deleted} {'file' if outcome.deleted == 1 else 'files'} of rejected imports."
        )

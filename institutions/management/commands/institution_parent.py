from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from institutions import services
from institutions.models import Institution


def _institution(slug: str) -> Institution:
    try:
        return Institution.objects.get(slug=slug)
    except Institution.DoesNotExist:
        raise CommandError(f"No institution with the slug {slug!r}.") from None


class Command(BaseCommand):
    help = (
        "Set or clear an institution's parent organisation (OB 3.0 parentOrg, embedded in every credential "
        "it issues). For platform operators: institution admins cannot change it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--institution", required=True, help="The institution's slug.")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--parent", help="The parent organisation's slug.")
        which.add_argument("--no-parent", action="store_true", help="Clear the parent organisation.")

    def handle(self, *args, **options):
        institution = _institution(options["institution"])
        parent = None if options["no_parent"] else _institution(options["parent"])
        try:
            services.institution_parent_set(institution=institution, parent=parent)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if parent is None:
            self.stdout.write(self.style.SUCCESS(f"{institution.did} has no parent organisation"))
        else:
            self.stdout.write(
                self.style.SUCCESS(f"{institution.did} is now part of {parent.name} ({parent.did})")
            )

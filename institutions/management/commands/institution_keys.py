from django.core.management.base import BaseCommand, CommandError

from institutions import services
from institutions.models import Institution, KeyAlgorithm


class Command(BaseCommand):
    help = "List, rotate or mark compromised an institution's signing keys (private parts are never shown)."

    def add_arguments(self, parser):
        parser.add_argument("--institution", required=True, help="The institution's slug.")
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="List the keys and their status.")
        rotate = sub.add_parser("rotate", help="Make new active keys; old ones stay published.")
        rotate.add_argument("--algorithm", choices=KeyAlgorithm.values, help="Only this algorithm.")
        compromise = sub.add_parser("compromise", help="Withdraw a key: its credentials stop verifying.")
        compromise.add_argument("key_id")
        compromise.add_argument("--reason", required=True)

    def handle(self, *args, **options):
        try:
            institution = Institution.objects.get(slug=options["institution"])
        except Institution.DoesNotExist:
            raise CommandError(f"No institution with the slug {options['institution']!r}.") from None

        if options["action"] == "rotate":
            algorithms = [options["algorithm"]] if options.get("algorithm") else None
            for key in services.signing_keys_rotate(institution=institution, algorithms=algorithms):
                self.stdout.write(
                    self.style.SUCCESS(f"new active key {key.verification_method} ({key.algorithm})")
                )
        elif options["action"] == "compromise":
            key = institution.signing_keys.filter(key_id=options["key_id"]).first()
            if key is None:
                raise CommandError(f"{institution.slug} has no key {options['key_id']!r}.")
            services.signing_key_mark_compromised(key=key, reason=options["reason"])
            self.stdout.write(self.style.WARNING(f"{key.verification_method} marked compromised"))
        for key in institution.signing_keys.all():
            self.stdout.write(f"{key.key_id}\t{key.algorithm}\t{key.status}\t{key.created_at:%Y-%m-%d %H:%M}")

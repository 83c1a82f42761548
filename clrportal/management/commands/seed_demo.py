from django.core.management.base import BaseCommand

from achievements import demo as achievements_demo
from experiences import demo as experiences_demo
from institutions import demo as institution_demo


class Command(BaseCommand):
    help = "Create the demo institution, its keys and one account per role. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=50, help="How many demo students (catalog data).")

    def handle(self, *args, **options):
        institution = institution_demo.seed_institution()
        self.stdout.write(self.style.SUCCESS(f"Demo institution: {institution.name} ({institution.did})"))
        self.stdout.write(f"Demo accounts (password: {institution_demo.DEMO_PASSWORD}):")
        for email, _first, _last, role in institution_demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {role:<10} {email}")
        achievements, added = achievements_demo.seed(institution=institution, students=options["students"])
        self.stdout.write(
            f"Catalog: {achievements} achievements; {added} demo students added "
            f"(up to {options['students']}, each with a transcript)."
        )
        experiences = experiences_demo.seed(institution=institution)
        self.stdout.write(
            f"Experiences: {experiences['experiences']} added for the demo advisor's students "
            f"({experiences['assigned']} assignments added)."
        )

"""Demo data for the institution side: one institution with keys and one account per role."""

from allauth.account.models import EmailAddress
from django.db import transaction

from . import services
from .models import Institution, InstitutionIdentifier, Role, User

DEMO_PASSWORD = "demo-password-2026"
DEMO_INSTITUTION_SLUG = "northbridge"
DEMO_ACCOUNTS = [
    ("admin@northbridge.example", "Ada", "Okafor", Role.ADMIN),
    ("registrar@northbridge.example", "Ravi", "Menon", Role.REGISTRAR),
    ("advisor@northbridge.example", "Alma", "Lindqvist", Role.ADVISOR),
    ("student@northbridge.example", "Sam", "Rivera", Role.STUDENT),
]


@transaction.atomic
def seed_institution() -> Institution:
    """Create (or leave as it is) the demo institution, its keys and its demo accounts."""
    institution = Institution.objects.filter(slug=DEMO_INSTITUTION_SLUG).first()
    if institution is None:
        institution = services.institution_create(
            slug=DEMO_INSTITUTION_SLUG,
            name="Northbridge University",
            url="https://www.northbridge.example",
            email="registrar@northbridge.example",
            phone="+1 555 0100",
            description="A public research university: every course, competency and co-curricular "
            "experience of its learners is recorded as a verifiable credential.",
            street_address="1 College Green",
            locality="Northbridge",
            region="MA",
            postal_code="01999",
            country="United States",
        )
        InstitutionIdentifier.objects.bulk_create(
            [
                InstitutionIdentifier(
                    institution=institution, identifier_type="ext:IPEDS", identifier="999999"
                ),
                InstitutionIdentifier(
                    institution=institution, identifier_type="ext:OPEID", identifier="00999900"
                ),
            ]
        )
    for email, first, last, role in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
            )
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        services.membership_grant(user=user, institution=institution, role=role)
    return institution

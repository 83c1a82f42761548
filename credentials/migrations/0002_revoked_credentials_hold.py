"""A revoked AchievementCredential stays its award's current one (see services.credential_revoke).

Before, revoking made the credential non-current, so the next bulk job signed the award again. Awards left
without a current credential that way get their newest revoked one back as current: the revocation holds.
"""

from django.db import migrations
from django.db.models import Exists, OuterRef


def revocations_hold(apps, schema_editor):
    IssuedCredential = apps.get_model("credentials", "IssuedCredential")
    achievement = "AchievementCredential"
    current = IssuedCredential.objects.filter(award_id=OuterRef("award_id"), kind=achievement, is_current=True)
    orphaned = (
        IssuedCredential.objects.filter(kind=achievement, revoked_at__isnull=False, award__isnull=False)
        .exclude(Exists(current))
        .order_by("award_id", "-created_at")
        .values_list("pk", "award_id")
    )
    newest = {}
    for pk, award_id in orphaned:
        newest.setdefault(award_id, pk)
    IssuedCredential.objects.filter(pk__in=list(newest.values())).update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("credentials", "0001_initial")]

    operations = [migrations.RunPython(revocations_hold, migrations.RunPython.noop)]

import uuid

from django.db import migrations


def give_each_evidence_a_uuid(apps, schema_editor):
    Evidence = apps.get_model("achievements", "Evidence")
    for evidence in Evidence.objects.filter(uuid__isnull=True).only("pk").iterator():
        Evidence.objects.filter(pk=evidence.pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0003_private_files"),
    ]

    operations = [
        migrations.RunPython(give_each_evidence_a_uuid, migrations.RunPython.noop, elidable=True),
    ]

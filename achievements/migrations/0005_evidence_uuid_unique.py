import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0004_evidence_uuid_values"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidence",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]

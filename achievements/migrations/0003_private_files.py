# SIS import files and evidence files move to the private storage; evidence gets a random id for the
# capability URL of its file. The id is added in three steps (Django's recipe for a unique field on rows
# that exist): nullable, filled in (0004), then unique (0005).

import achievements.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("achievements", "0002_terms"),
    ]

    operations = [
        migrations.AlterField(
            model_name="evidence",
            name="file",
            field=models.FileField(
                blank=True,
                storage=achievements.models.private_storage,
                upload_to="achievements/evidence/%Y/%m/",
            ),
        ),
        migrations.AlterField(
            model_name="importrun",
            name="file",
            field=models.FileField(
                blank=True, storage=achievements.models.private_storage, upload_to="imports/%Y/%m/"
            ),
        ),
        migrations.AddField(
            model_name="evidence",
            name="uuid",
            field=models.UUIDField(editable=False, null=True),
        ),
    ]

import django.db.models.functions.text
from django.db import migrations, models


# Separate from 0002's data step: PostgreSQL cannot change a table with pending trigger events.
class Migration(migrations.Migration):

    dependencies = [
        ('institutions', '0002_unique_institution_names'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='institution',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='unique_institution_name_ci', violation_error_message='Another institution already has this name.'),
        ),
        migrations.AddConstraint(
            model_name='institution',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('slug'), name='unique_institution_slug_ci', violation_error_message='Another institution already has this web address (slug).'),
        ),
    ]

"""The round table's default order (newest first) read off an index, not a sort of the whole round."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("grants", "0003_selection")]

    operations = [
        migrations.AddIndex(
            model_name="application",
            index=models.Index(fields=["round", "-created_at", "-id"], name="grants_appl_round_i_91aa47_idx"),
        ),
    ]

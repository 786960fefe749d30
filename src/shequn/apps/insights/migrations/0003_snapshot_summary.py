from django.db import migrations, models

SUMMARY_KEYS = ("indicators", "lifecycle_reason", "lifecycle_reason_en", "size_band")


def fill_summaries(apps, schema_editor):
    GroupSnapshot = apps.get_model("insights", "GroupSnapshot")
    for snapshot in GroupSnapshot.objects.only("pk", "analysis").iterator(chunk_size=200):
        analysis = snapshot.analysis or {}
        summary = {key: analysis[key] for key in SUMMARY_KEYS if key in analysis}
        GroupSnapshot.objects.filter(pk=snapshot.pk).update(summary=summary)


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_dirty_days")]

    operations = [
        migrations.AddField(
            model_name="groupsnapshot",
            name="summary",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill_summaries, migrations.RunPython.noop),
    ]

"""Approval gains `rejected` and `suspended` (the checks' decision, apart from an admin's
`disabled`); the reason field covers all three; the admins' second switch goes (disabling
is their switch)."""

from django.db import migrations, models


def split_suspended(apps, schema_editor):
    Mirror = apps.get_model("mirrors", "Mirror")
    Mirror.objects.filter(
        approval="disabled", approval_reason__startswith="Disabled automatically"
    ).update(approval="suspended")
    # A mirror the admins had switched off is a disabled one now.
    Mirror.objects.filter(admin_active=False, approval="approved").update(
        approval="disabled", approval_reason="Switched off by the admins."
    )


class Migration(migrations.Migration):
    dependencies = [
        ("mirrors", "0002_checks"),
    ]

    operations = [
        migrations.RenameField(
            model_name="mirror", old_name="disabled_reason", new_name="approval_reason"
        ),
        migrations.AlterField(
            model_name="mirror",
            name="approval_reason",
            field=models.TextField(
                blank=True, help_text="Why the mirror was rejected, disabled or suspended."
            ),
        ),
        migrations.AlterField(
            model_name="mirror",
            name="approval",
            field=models.CharField(
                choices=[
                    ("pending", "Pending approval"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("disabled", "Disabled by an admin"),
                    ("suspended", "Suspended after failing checks"),
                ],
                db_index=True,
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(split_suspended, migrations.RunPython.noop),
        migrations.RemoveField(model_name="mirror", name="admin_active"),
    ]

"""The teams (Django groups: QA, developers, release engineering) and the validation cases
every release starts with, one or more per release criterion."""

from django.db import migrations

TEAMS = ["qa", "developers", "release-engineering"]
CASES = [
    ("install-dvd-default", "Install from the DVD, default partitioning", "install-dvd", True),
    ("install-dvd-custom", "Install from the DVD, custom partitioning", "install-dvd", False),
    ("install-netinstall-http", "Netinstall from an HTTP mirror", "install-netinstall", True),
    ("upgrade-previous", "Upgrade from the previous release with yum", "upgrade", True),
    ("media-check", "Media check of every image", "media-check", True),
    ("boot-bios", "Boot on BIOS firmware", "boot-firmware", True),
    ("boot-uefi", "Boot on UEFI firmware", "boot-firmware", False),
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    ValidationCase = apps.get_model("releases", "ValidationCase")
    for name in TEAMS:
        Group.objects.get_or_create(name=name)
    for name, title, criterion, blocking in CASES:
        ValidationCase.objects.get_or_create(
            name=name,
            defaults={"title": title, "criterion": criterion, "release_blocking": blocking},
        )


def remove(apps, schema_editor):
    apps.get_model("releases", "ValidationCase").objects.filter(
        name__in=[c[0] for c in CASES]
    ).delete()
    apps.get_model("auth", "Group").objects.filter(name__in=TEAMS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("releases", "0003_lifecycle_validation_and_repository_kinds"),
    ]

    operations = [migrations.RunPython(create, remove)]

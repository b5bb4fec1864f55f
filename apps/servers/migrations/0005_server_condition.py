"""Server.health becomes Server.condition: "health" is the mirrors' loop; a server's
condition is the worst hard state of its service checks. The API and the inventory keep
the name "health" for their clients."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("servers", "0004_bandwidth"),
    ]

    operations = [
        migrations.RenameField(model_name="server", old_name="health", new_name="condition"),
    ]

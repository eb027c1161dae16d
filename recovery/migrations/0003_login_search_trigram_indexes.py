from django.db import migrations

from portal.search_indexes import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("recovery", "0002_list_order_indexes")]

    operations = [
        trigram_indexes("recovery_recoveryrequest", "login"),
        trigram_indexes("recovery_contactrequest", "login"),
    ]

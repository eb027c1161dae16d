from django.db import migrations

from portal.search_indexes import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_list_indexes")]

    operations = [
        trigram_indexes("payments_ledgertransaction", "memo"),
        trigram_indexes("payments_wallet", "reference"),
    ]

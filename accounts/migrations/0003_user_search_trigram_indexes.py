from django.db import migrations

from portal.search_indexes import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_user_lookup_and_list_indexes")]

    operations = [
        trigram_indexes(
            "accounts_user", "last_name", "first_name", "identifier", "email", "classroom"
        ),
    ]

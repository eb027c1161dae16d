from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Personnes")

    def ready(self) -> None:
        from portal import lookups

        lookups.register()

        from django.contrib.auth.signals import user_logged_in

        from accounts.views import language_remember_at_login

        user_logged_in.connect(language_remember_at_login, dispatch_uid="language_at_login")

"""The network administrator's page for where her tenant's accounts live, with "test the
connection" (DESIGN.md §7b)."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.directory import client
from accounts.directory.models import IdentityStore
from portal.admin_site import TenantScopedAdmin, admin_site
from portal.celery import task_publish

TEST_BUTTON = "_test_connection"


class IdentityStoreForm(forms.ModelForm):
    bind_password = forms.CharField(
        label=_("mot de passe du compte de connexion"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Gardé chiffré. Laissez vide pour garder celui qui est enregistré."),
    )
    bind_password_clear = forms.BooleanField(
        label=_("effacer le mot de passe enregistré"), required=False
    )

    class Meta:
        model = IdentityStore
        fields = [
            "kind",
            "url",
            "start_tls",
            "ca_file",
            "bind_dn",
            "bind_password_env",
            "base_dn",
            "user_filter",
            "identifier_attribute",
            "email_attribute",
            "school_mailbox_attribute",
            "timeout_seconds",
            "login_by_bind",
            "portal_only_allowed",
            "first_name_attribute",
            "last_name_attribute",
            "sync_enabled",
            "student_group_dn",
            "staff_group_dn",
            "parent_group_dn",
        ]

    def save(self, commit: bool = True) -> IdentityStore:
        store = super().save(commit=False)
        if self.cleaned_data.get("bind_password_clear"):
            store.bind_password_set("")
        elif self.cleaned_data.get("bind_password"):
            store.bind_password_set(self.cleaned_data["bind_password"])
        if commit:
            store.save()
        return store


@admin.register(IdentityStore, site=admin_site)
class IdentityStoreAdmin(TenantScopedAdmin):
    form = IdentityStoreForm
    list_display = ["tenant", "kind", "url"]
    actions = ["test_connection", "sync_now"]
    fieldsets = [
        (None, {"fields": ["kind"]}),
        (
            _("Connexion"),
            {
                "fields": [
                    "url",
                    "start_tls",
                    "ca_file",
                    "bind_dn",
                    "bind_password",
                    "bind_password_clear",
                    "bind_password_env",
                    "timeout_seconds",
                ]
            },
        ),
        (
            _("Personnes"),
            {
                "fields": [
                    "base_dn",
                    "user_filter",
                    "identifier_attribute",
                    "email_attribute",
                    "school_mailbox_attribute",
                    "first_name_attribute",
                    "last_name_attribute",
                    "login_by_bind",
                    "portal_only_allowed",
                ]
            },
        ),
        (
            _("Synchronisation"),
            {
                "fields": [
                    "sync_enabled",
                    "student_group_dn",
                    "staff_group_dn",
                    "parent_group_dn",
                    "last_sync_at",
                    "last_sync_report",
                ]
            },
        ),
    ]
    readonly_fields = ["last_sync_at", "last_sync_report"]

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        """The network's administrator and the platform's, never a secretary."""
        user = request.user
        if not user.is_authenticated or not (user.is_superuser or user.is_tenant_admin):
            return False
        if action == "add":
            tenant = getattr(request, "tenant", None)
            return tenant is not None and not IdentityStore.objects.filter(tenant=tenant).exists()
        return action in {"view", "change", "delete"} or user.is_superuser

    def _report(self, request: HttpRequest, store: IdentityStore) -> None:
        check = client.connection_check(store)
        self.message_user(
            request, str(check.message), messages.SUCCESS if check.ok else messages.ERROR
        )

    def response_change(self, request: HttpRequest, obj: IdentityStore) -> HttpResponse:
        if TEST_BUTTON in request.POST:
            self._report(request, obj)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(
        self, request: HttpRequest, obj: IdentityStore, post_url_continue: str | None = None
    ) -> HttpResponse:
        if TEST_BUTTON in request.POST:
            self._report(request, obj)
            return HttpResponseRedirect(
                reverse("admin:accounts_identitystore_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.action(description=_("Tester la connexion"))
    def test_connection(self, request: HttpRequest, queryset) -> None:
        for store in queryset:
            self._report(request, store)

    @admin.action(description=_("Synchroniser les personnes maintenant"))
    def sync_now(self, request: HttpRequest, queryset) -> None:
        from accounts.tasks import sync_directory

        for store in queryset.filter(kind=IdentityStore.Kind.LDAP):
            task_publish(sync_directory, args=(store.pk,))
        self.message_user(
            request,
            _("La synchronisation est lancée : son résultat s'affiche sur cette page."),
            messages.SUCCESS,
        )

"""The secretaries' admin: a second factor (TOTP), and only the host's tenant."""

from collections.abc import Callable

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from portal.admin_labels import FieldLabelsAdmin, StrOrPromise
from portal.admin_search import search_without_joins
from portal.paginator import CappedPaginator


class PortalAdminSite(OTPAdminSite):
    site_header = _("Cartable — secrétariat")
    site_title = _("Cartable")
    index_title = _("Gestion du réseau")
    # Identifier, password and code on one page (accounts.admin_login sets the form, which needs
    # the person model, and what a successful login adds to its response).
    login_template = "admin/cartable_login.html"
    login_response: Callable[[HttpRequest, HttpResponse], HttpResponse] | None = None

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().login(request, extra_context)
        if self.login_response is not None:
            response = self.login_response(request, response)
        return response

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        user = request.user
        tenant = getattr(request, "tenant", None)
        # The user is signed in (checked above); her class lives in `accounts`, above `portal`.
        tenant_id = getattr(user, "tenant_id", None)
        if tenant is None:
            return user.is_superuser and tenant_id is None
        return tenant_id == tenant.id

    def get_urls(self):
        # Pages that are not a model's (the help desk) come from the ModelAdmin of the app that
        # owns them, so the site itself imports no app above `portal`.
        site_urls = []
        for model_admin in self._registry.values():
            site_urls += getattr(model_admin, "get_site_urls", list)()
        return [*site_urls, *super().get_urls()]

    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        tenant = getattr(request, "tenant", None)
        if tenant is not None:
            context["site_header"] = _("%(name)s — secrétariat") % {"name": tenant.display_name}
        return context


admin_site = PortalAdminSite(name="admin")


class TenantScopedAdmin(FieldLabelsAdmin):
    """Rows of the host's tenant only; an object of another tenant is a 404, not a redirect.

    A tenant-owned model's scoped manager already shows only the host's tenant
    (tenants.scoping), and its `tenant` is the host's, never a form field. Subclasses may
    narrow further with `scope_queryset` (a secretary's schools). Secretaries and tenant
    administrators get the permissions named in `secretary_permissions`; platform superusers
    get everything. `field_labels` names the fields their model left unnamed (admin_labels).
    """

    secretary_permissions: frozenset[str] = frozenset({"view", "add", "change"})
    # The add page's title and button, with the article French needs (« Ajouter une activité »):
    # Django's « Ajout de %s » cannot agree with a noun it does not know. Unset: « Ajouter :
    # activité ». A list is titled with the plural (« Activités »), an object's page with the
    # singular above the object's name.
    add_title: StrOrPromise = ""
    # How the list counts its rows when its plural is no countable noun: (« événement »,
    # « événements ») for the « journal de récupération ». Unset: the model's names.
    count_names: tuple[StrOrPromise, StrOrPromise] | None = None
    # A filtered list counts its matches only, not the whole tenant's rows again, and at most
    # LIST_COUNT_CAP of them; no per-choice counts beside the filters (each a count of them all).
    show_full_result_count = False
    paginator = CappedPaginator
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request: HttpRequest):
        queryset = super().get_queryset(request)
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return queryset if request.user.is_superuser else queryset.none()
        return self.scope_queryset(request, queryset)

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        search_fields = self.get_search_fields(request)
        if search_fields and search_term:
            found = search_without_joins(queryset, search_fields, search_term)
            if found is not None:
                return found, False
        return super().get_search_results(request, queryset, search_term)

    def get_exclude(self, request: HttpRequest, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if getattr(request, "tenant", None) is not None and self._has_tenant_key():
            exclude.append("tenant")
        return exclude

    def _has_tenant_key(self) -> bool:
        return any(field.name == "tenant" for field in self.model._meta.fields)

    def scope_queryset(self, request: HttpRequest, queryset):
        return queryset

    def get_add_title(self) -> StrOrPromise:
        return self.add_title or _("Ajouter : %(name)s") % {"name": self.opts.verbose_name}

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        titles = {
            "title": capfirst(self.opts.verbose_name_plural),
            "add_title": self.get_add_title(),
        }
        return super().changelist_view(request, {**titles, **(extra_context or {})})

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ):
        title = self.get_add_title() if object_id is None else capfirst(self.opts.verbose_name)
        return super().changeform_view(
            request, object_id, form_url, {"title": title, **(extra_context or {})}
        )

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        # Django lets an empty `?_to_field=` through its check (it tests truthiness) and then
        # looks up a field named "" (FieldDoesNotExist, a 500): empty names no field, the key.
        return super().get_object(request, object_id, from_field or None)

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        return bool(
            (user.is_secretary or user.is_tenant_admin) and action in self.secretary_permissions
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "view")

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, "view") or self._allowed(request, "change")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, "add")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, "change")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, "delete")

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and self._has_tenant_key():
            obj.tenant = tenant
        super().save_model(request, obj, form, change)

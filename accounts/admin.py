import functools
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import csv_import, services
from accounts.admin_login import AdminLoginForm, admin_login_remember
from accounts.csv_import.forms import CsvImportForm
from accounts.http import AuthenticatedRequest, request_user
from accounts.identifiers import identifier_generate
from accounts.models import GuardianLink, User
from accounts.numen import numen_hash, numen_validate
from accounts.selectors import (
    people_manageable_condition,
    people_visible_to,
    person_manageable_by,
    schools_visible_to,
)
from portal.admin_filters import cached_values_filter
from portal.admin_site import TenantScopedAdmin, admin_site
from tenants.http import request_tenant
from tenants.scoping import formfield_outside_scope


class PersonForm(forms.ModelForm):
    class Meta:
        model = User
        formfield_callback = formfield_outside_scope
        fields = [
            "identifier",
            "first_name",
            "last_name",
            "email",
            "is_parent",
            "is_student",
            "is_school_staff",
            "is_secretary",
            "is_tenant_admin",
            "schools",
            "is_active",
            "is_migrated",
            "legacy_id",
            "student_number",
            "classroom",
            "school_email",
            "preferred_language",
        ]

    numen = forms.CharField(
        label=_("NUMEN"),
        required=False,
        max_length=30,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "13 caractères. Conservé seulement sous forme d'empreinte : il ne sera plus jamais "
            "affiché. Laissez vide pour ne pas le changer."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "identifier" in self.fields:  # not on a read-only page (accounts.selectors' ranks)
            self.fields["identifier"].required = False
            self.fields["identifier"].help_text = _(
                "Laissez vide pour le générer : initiale du prénom + nom (jdupont, jdupont1…)."
            )

    def clean_numen(self) -> str:
        value = self.cleaned_data.get("numen", "")
        return numen_validate(value) if value.strip() else ""

    def clean_student_number(self) -> str:
        value = self.cleaned_data.get("student_number", "").strip()
        if not value:
            return ""
        if not (len(value) == 10 and value.isascii() and value.isdigit()):
            raise forms.ValidationError(_("Le numéro d'élève compte exactement 10 chiffres."))
        clash = User.objects.filter(student_number=value)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Ce numéro d'élève est déjà utilisé dans ce réseau."))
        return value

    def clean_identifier(self) -> str:
        identifier = self.cleaned_data["identifier"].strip()
        if not identifier:
            first = self.data.get("first_name", "")
            last = self.data.get("last_name", "")
            if not last.strip():
                raise forms.ValidationError(
                    _("Indiquez un identifiant, ou le nom pour le générer.")
                )
            return identifier_generate(first_name=first, last_name=last)
        clash = User.objects.filter(identifier__lower_exact=identifier)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("Cet identifiant est déjà utilisé dans ce réseau."))
        return identifier


def _outranked_message(count: int) -> str:
    return ngettext(
        "%(n)d personne ignorée : vous ne pouvez pas gérer le compte de quelqu'un qui a autant "
        "de droits que vous, ou plus (demandez à l'administrateur du réseau).",
        "%(n)d personnes ignorées : vous ne pouvez pas gérer le compte de quelqu'un qui a "
        "autant de droits que vous, ou plus (demandez à l'administrateur du réseau).",
        count,
    ) % {"n": count}


# The admin's one-step login (identifier, password and code together), with its limits.
# django-otp's site types the attribute as its own two-step form, which this one replaces.
admin_site.login_form = AdminLoginForm  # type: ignore[assignment]
admin_site.login_response = admin_login_remember

# The rows of the file between the preview and the confirmation, kept server-side.
CSV_IMPORT_SESSION_KEY = "accounts.csv_import"


def _autocompletes(request: HttpRequest, model: type[models.Model], field: str) -> bool:
    """Whether this is the admin's autocomplete request for `model.field` (it names its source)."""
    return (
        request.path.endswith("/autocomplete/")
        and request.GET.get("app_label") == model._meta.app_label
        and request.GET.get("model_name") == model._meta.model_name
        and request.GET.get("field_name") == field
    )


class ChildLinkInline(admin.StackedInline):
    """Stacked, not tabular: each box has its label (Django's table leaves the checkboxes and a
    header without a name) and fits a phone's width."""

    model = GuardianLink
    fk_name = "parent"
    extra = 0
    fields = ["child", "is_paying"]
    # A search box, not a <select> of every pupil (60,000 at a large network: 11 MB of HTML).
    autocomplete_fields = ["child"]
    verbose_name = _("enfant")
    verbose_name_plural = _("enfants (pour un parent)")

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "child":
            kwargs["label"] = _("enfant")  # the link's field has no French name of its own
            kwargs["queryset"] = people_visible_to(
                viewer=request_user(request), tenant=request_tenant(request)
            ).filter(is_student=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _manages(self, request: HttpRequest, obj) -> bool:
        return request.user.is_staff and (
            obj is None or person_manageable_by(viewer=request_user(request), person=obj)
        )

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages(request, obj)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._manages(request, obj)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_staff


@admin.register(User, site=admin_site)
class PersonAdmin(TenantScopedAdmin):
    add_title = _("Ajouter une personne")
    form = PersonForm
    inlines = [ChildLinkInline]
    list_display = ["identifier", "last_name", "first_name", "email", "roles", "is_migrated"]
    list_filter = [
        "is_parent",
        "is_student",
        "is_school_staff",
        "is_secretary",
        "is_migrated",
        # The classes of the people she sees, read once every few minutes (60,000 students).
        cached_values_filter("classroom", _("classe")),
    ]
    search_fields = ["identifier", "last_name", "first_name", "email", "classroom"]
    # recovery.admin adds the reset and activation actions to this list.
    actions = ["mark_migrated"]

    def get_queryset(self, request: HttpRequest):
        visible = people_visible_to(viewer=request_user(request), tenant=request_tenant(request))
        return visible.prefetch_related("schools")

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if _autocompletes(request, GuardianLink, "child"):
            results = results.filter(is_student=True, is_active=True)
        return results, may_have_duplicates

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        tenant = request_tenant(request)
        viewer = request_user(request)

        class ScopedPersonForm(form):  # type: ignore[misc, valid-type]  # the admin's class
            def __init__(self, *args, **kw) -> None:
                super().__init__(*args, **kw)
                if self.instance.tenant_id is None:
                    self.instance.tenant = tenant
                if "schools" in self.fields:
                    self.fields["schools"].queryset = schools_visible_to(
                        viewer=viewer, tenant=tenant
                    )

        return ScopedPersonForm

    # --- staff manage only people with fewer rights than their own (DESIGN.md §3) --------------

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Someone of her rank or above: the form is read-only, and a POST is refused (403).
        return super().has_change_permission(request, obj) and (
            obj is None or person_manageable_by(viewer=request_user(request), person=obj)
        )

    def get_action(self, action):
        """Every action on people (reset link, activation, migration) skips those the viewer
        may not manage, and says so."""
        found = super().get_action(action)
        if found is None:
            return None
        func, name, description = found

        @functools.wraps(func)  # keeps `allowed_permissions`
        def on_manageable_only(modeladmin, request: HttpRequest, queryset):
            allowed = queryset.filter(people_manageable_condition(viewer=request_user(request)))
            refused = queryset.count() - allowed.count()
            if refused:
                modeladmin.message_user(request, _outranked_message(refused), messages.ERROR)
            if refused and not allowed.exists():
                return None
            return func(modeladmin, request, allowed)

        return on_manageable_only, name, description

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        user = request_user(request)
        if not (user.is_tenant_admin or user.is_superuser):
            # Only a network's administrator hands out admin access.
            fields = [f for f in fields if f not in ("is_secretary", "is_tenant_admin")]
        return fields

    def save_model(self, request: HttpRequest, obj: User, form, change: bool) -> None:
        if not change:
            obj.set_unusable_password()
        if form.cleaned_data.get("numen"):
            obj.numen_hash = numen_hash(tenant_id=obj.tenant_id, numen=form.cleaned_data["numen"])
        pending_email = None
        if change and "email" in form.changed_data:
            before = User.objects.get(pk=obj.pk)
            if services.email_change_needs_confirmation(person=before):
                # The address stays until its owner agrees (a reset link would follow it).
                pending_email, obj.email = obj.email, before.email
        super().save_model(request, obj, form, change)
        if pending_email is not None:
            services.email_change_request(
                person=obj, new_email=pending_email, by=request_user(request)
            )
            self.message_user(
                request,
                _(
                    "L'adresse e-mail de %(name)s ne change pas encore : un lien de confirmation "
                    "part vers son adresse actuelle. La nouvelle adresse s'appliquera quand elle "
                    "l'aura confirmée."
                )
                % {"name": obj},
                messages.WARNING,
            )

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        for formset in formsets:
            for link_form in formset.forms:
                link_form.instance.tenant_id = form.instance.tenant_id
        super().save_related(request, form, formsets, change)

    # --- CSV import of students and parents -----------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.csv_import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "import/confirm/",
                self.admin_site.admin_view(require_POST(self.csv_import_confirm_view)),
                name="{}_{}_import_confirm".format(*info),
            ),
            *super().get_urls(),
        ]

    def _csv_import_guard(self, request: HttpRequest) -> HttpResponse | None:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        if request_tenant(request) is None:
            self.message_user(
                request,
                _("L'import de personnes se fait à l'adresse d'un réseau scolaire."),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))
        return None

    def _csv_import_context(self, request: HttpRequest, **context) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Importer des élèves, des parents et du personnel"),
            **context,
        }

    def _csv_preview(
        self, request: HttpRequest, plan: csv_import.ImportPlan, token: str | None
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/accounts/user/import_preview.html",
            self._csv_import_context(
                request, plan=plan, token=token, subtitle=_("Aperçu de l'import")
            ),
        )

    def csv_import_view(self, request: AuthenticatedRequest) -> HttpResponse:
        """Step 1: upload a file; step 2: the preview of what importing it would do."""
        if (redirect := self._csv_import_guard(request)) is not None:
            return redirect
        assert request.tenant is not None  # the guard turned the platform host away
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            request.session.pop(CSV_IMPORT_SESSION_KEY, None)
            upload = form.cleaned_data["file"]
            try:
                plan = csv_import.csv_parse(
                    tenant=request.tenant,
                    viewer=request.user,
                    data=upload.read(csv_import.MAX_FILE_BYTES + 1),
                )
            except csv_import.CsvImportError as exc:
                form.add_error("file", str(exc))
            else:
                token = None
                if not plan.has_errors:
                    token = secrets.token_urlsafe(24)
                    request.session[CSV_IMPORT_SESSION_KEY] = {
                        "token": token,
                        "tenant": request.tenant.pk,
                        "viewer": request.user.pk,
                        "rows": csv_import.csv_source_dump(plan),
                    }
                return self._csv_preview(request, plan, token)
        return TemplateResponse(
            request,
            "admin/accounts/user/import_form.html",
            self._csv_import_context(
                request, form=form, columns=csv_import.COLUMNS, max_rows=csv_import.MAX_ROWS
            ),
        )

    def csv_import_confirm_view(self, request: AuthenticatedRequest) -> HttpResponse:
        """Step 3: import the previewed rows, checked again, all or nothing."""
        if (redirect := self._csv_import_guard(request)) is not None:
            return redirect
        assert request.tenant is not None  # the guard turned the platform host away
        stored = request.session.pop(CSV_IMPORT_SESSION_KEY, None) or {}
        import_url = reverse("admin:accounts_user_import")
        if not (
            constant_time_compare(str(stored.get("token", "")), request.POST.get("token", "x"))
            and stored.get("tenant") == request.tenant.pk
            and stored.get("viewer") == request.user.pk
        ):
            self.message_user(
                request, _("L'aperçu a expiré : envoyez le fichier à nouveau."), messages.ERROR
            )
            return HttpResponseRedirect(import_url)
        try:
            source = csv_import.csv_source_load(stored.get("rows"))
            plan = csv_import.csv_plan_validate(
                tenant=request.tenant, viewer=request.user, source=source
            )
            count = csv_import.csv_import_apply(
                plan=plan, tenant=request.tenant, viewer=request.user
            )
        except csv_import.ImportPlanInvalid as exc:
            return self._csv_preview(request, exc.plan, token=None)
        except csv_import.CsvImportError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(import_url)
        self.message_user(
            request,
            ngettext("%(n)d personne importée.", "%(n)d personnes importées.", count)
            % {"n": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:accounts_user_changelist"))

    @admin.display(description=_("rôles"))
    def roles(self, obj: User) -> str:
        return ", ".join(obj.role_labels)

    @admin.action(description=_("Marquer comme migrés"))
    def mark_migrated(self, request: HttpRequest, queryset) -> None:
        count = services.users_mark_migrated(users=queryset, by=request_user(request))
        self.message_user(
            request,
            ngettext("%(n)d compte migré.", "%(n)d comptes migrés.", count) % {"n": count},
            messages.SUCCESS,
        )


from accounts.directory import admin as _directory_admin  # noqa: E402, F401 (registers)

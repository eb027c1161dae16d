"""The forms of the payments admin: an activity, whom to invite, a top-up, a withdrawal to a
parent's bank account, a bank statement."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from payments import bank
from payments.bank.transfers import iban_checked
from payments.exceptions import InvalidIban
from payments.forms import DateInput, EurosField
from payments.models import Activity
from payments.money import decimal_from_cents
from tenants.scoping import formfield_outside_scope

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


class ActivityForm(forms.ModelForm):
    amount = EurosField(label=_("Montant"), help_text=_("En euros, par exemple 5,00."))

    class Meta:
        model = Activity
        formfield_callback = formfield_outside_scope
        fields = [
            "school",
            "title",
            "details",
            "kind",
            "starts_on",
            "due_on",
            "event_on",
            "document",
        ]
        widgets = {"starts_on": DateInput(), "due_on": DateInput(), "event_on": DateInput()}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["amount"].initial = str(
                decimal_from_cents(self.instance.amount_cents)
            ).replace(".", ",")
            if self.instance.invitations.exists():
                # Invitations carry the amount they were sent with.
                self.fields["amount"].disabled = True
                self.fields["amount"].help_text = _(
                    "Des invitations sont envoyées : le montant ne change plus."
                )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if isinstance(document, UploadedFile):
            if document.size > MAX_DOCUMENT_BYTES:
                raise forms.ValidationError(_("Le document dépasse 5 Mo."))
            head = document.read(5)
            document.seek(0)
            if head != b"%PDF-":
                raise forms.ValidationError(_("Le document doit être un fichier PDF."))
        return document

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # ModelForm.clean() returns cleaned_data
        starts, due = data.get("starts_on"), data.get("due_on")
        if starts and due and due < starts:
            self.add_error("due_on", _("L'échéance ne peut pas précéder la date de début."))
        return data

    def save(self, commit: bool = True):
        if not self.fields["amount"].disabled:
            self.instance.amount_cents = self.cleaned_data["amount"]
        return super().save(commit)


class StudentChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        if obj.classroom:
            return _("%(name)s (%(classroom)s)") % {"name": obj, "classroom": obj.classroom}
        return str(obj)


class InviteForm(forms.Form):
    SCOPE_SCHOOL = "school"
    SCOPE_CLASS = "class"
    SCOPE_SELECTION = "selection"

    scope = forms.ChoiceField(
        label=_("Destinataires"),
        choices=[
            (SCOPE_SCHOOL, _("Tous les élèves de l'école")),
            (SCOPE_CLASS, _("Tous les élèves d'une classe")),
            (SCOPE_SELECTION, _("Les élèves choisis ci-dessous")),
        ],
        widget=forms.RadioSelect,
        initial=SCOPE_SELECTION,
    )
    classroom = forms.ChoiceField(label=_("Classe"), required=False)
    students = StudentChoiceField(
        label=_("Élèves"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, students_qs, classrooms: list[tuple[str, int]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(StudentChoiceField, self.fields["students"]).queryset = students_qs
        cast(forms.ChoiceField, self.fields["classroom"]).choices = [
            ("", _("— choisir une classe —"))
        ] + [
            (
                name,
                ngettext("%(classroom)s (%(n)d élève)", "%(classroom)s (%(n)d élèves)", n)
                % {"classroom": name, "n": n},
            )
            for name, n in classrooms
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Form.clean() returns cleaned_data
        if data.get("scope") == self.SCOPE_SELECTION and not data.get("students"):
            self.add_error("students", _("Choisissez au moins un élève."))
        if data.get("scope") == self.SCOPE_CLASS and not data.get("classroom"):
            self.add_error("classroom", _("Choisissez une classe."))
        return data

    def recipients(self, school_students: QuerySet) -> list:
        """The students the valid choice names, among the school's."""
        scope = self.cleaned_data["scope"]
        if scope == self.SCOPE_SCHOOL:
            return list(school_students.distinct())
        if scope == self.SCOPE_CLASS:
            chosen = school_students.filter(classroom=self.cleaned_data["classroom"])
            return list(chosen.distinct())
        return list(self.cleaned_data["students"])


class TopUpForm(forms.Form):
    amount = EurosField(label=_("Montant reçu"), help_text=_("En euros, par exemple 20,00."))
    memo = forms.CharField(
        label=_("Libellé"),
        max_length=200,
        required=False,
        help_text=_("Par exemple : virement du 12/09, nom du donneur d'ordre."),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)


class WithdrawalForm(forms.Form):
    """Pay part or all of a wallet's balance back to a bank account (schwifty checks the IBAN)."""

    amount = EurosField(
        label=_("Montant à rembourser"), help_text=_("En euros, par exemple 20,00.")
    )
    iban = forms.CharField(
        label=_("IBAN du compte à créditer"),
        max_length=42,
        help_text=_("Par exemple BE71 0961 2345 6769."),
    )
    holder_name = forms.CharField(
        label=_("Titulaire du compte"),
        max_length=70,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        help_text=_("Par exemple : départ de l'école en juin."),
        widget=forms.TextInput(attrs={"class": "vTextField"}),
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_iban(self) -> str:
        try:
            return iban_checked(self.cleaned_data["iban"]).compact
        except InvalidIban as exc:
            raise forms.ValidationError(str(exc)) from None


class BankUploadForm(forms.Form):
    file = forms.FileField(label=_("Relevé camt.053 (XML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > bank.MAX_FILE_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 10 Mo."))
        return upload

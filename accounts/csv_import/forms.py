"""The admin's upload form for an import."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.csv_import.plan import MAX_FILE_BYTES


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV"),
        error_messages={
            "empty": _("Le fichier est vide."),
            "required": _("Choisissez un fichier."),
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse la taille maximale de %(size)d Mo.")
                % {"size": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload

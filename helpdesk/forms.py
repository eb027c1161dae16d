from django import forms
from django.utils.translation import gettext_lazy as _


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher une personne"),
        max_length=100,
        required=False,
        help_text=_(
            "Nom, identifiant, adresse e-mail, numéro d'élève ou fin du numéro de téléphone "
            "(2 chiffres au moins)."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )

from django import forms
from django.utils.translation import gettext_lazy as _

from recovery.two_step.desk_code import Handover


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


class DeskCodeForm(forms.Form):
    """A one-time code for a person who cannot finish the two-step recovery: handed over only
    after the secretary has checked who she is (recovery.two_step.desk_code)."""

    handover = forms.ChoiceField(
        label=_("Comment le code est remis"),
        choices=Handover.choices,
        widget=forms.RadioSelect,
    )
    identity_checked = forms.BooleanField(
        label=_(
            "J'ai vérifié l'identité de cette personne (pièce d'identité, ou rappel au numéro "
            "que l'école connaît)."
        ),
        error_messages={
            "required": _("Un code n'est remis qu'après avoir vérifié l'identité de la personne.")
        },
    )

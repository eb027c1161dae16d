"""What can go wrong with a school network's directory, each with the sentence the person sees.
Raised by the directory's services, turned into a form error at the edge (never a 5xx)."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class DirectoryError(Exception):
    """The directory did not take the password: nothing changed, on either side."""

    message: "str | _StrPromise" = _(
        "L'annuaire de votre école n'a pas accepté ce mot de passe. Votre mot de passe n'a "
        "pas été changé."
    )

    def __init__(self, detail: str = "") -> None:
        # `detail` is for the logs (the server's own words), never for the page.
        super().__init__(detail or str(self.message))
        self.detail = detail


class DirectoryUnavailable(DirectoryError):
    """Unreachable, too slow, TLS refused, or the portal's bind account refused."""

    message = _(
        "L'annuaire de votre école ne répond pas pour le moment. Votre mot de passe n'a pas été "
        "changé : réessayez dans quelques minutes. Si cela continue, contactez votre école."
    )


class DirectoryAccountMissing(DirectoryError):
    """The directory holds no single entry for this person."""

    message = _(
        "Votre compte est introuvable dans l'annuaire de votre école. Votre mot de passe n'a pas "
        "été changé : contactez votre école."
    )


class DirectoryRefused(DirectoryError):
    """The directory's own policy refused the password."""

    message = _(
        "L'annuaire de votre école a refusé ce mot de passe : il ne respecte pas ses règles. "
        "Votre mot de passe n'a pas été changé : choisissez-en un autre."
    )


class DirectoryPasswordTooShort(DirectoryRefused):
    message = _(
        "L'annuaire de votre école a refusé ce mot de passe : il est trop court pour ses règles. "
        "Votre mot de passe n'a pas été changé : choisissez-en un plus long."
    )


class DirectoryPasswordInHistory(DirectoryRefused):
    message = _(
        "L'annuaire de votre école a refusé ce mot de passe : vous l'avez déjà utilisé "
        "récemment. Votre mot de passe n'a pas été changé : choisissez-en un nouveau."
    )

"""Domain errors of payments: raised by the services, turned into messages at the edge."""

from django.utils.translation import gettext_lazy as _

from payments.money import format_cents


class PaymentError(Exception):
    message = _("Cette opération n'est pas possible.")

    def __str__(self) -> str:
        return str(self.message)


class InsufficientCredit(PaymentError):
    def __init__(self, *, missing_cents: int, balance_cents: int, amount_cents: int) -> None:
        super().__init__(missing_cents)
        self.missing_cents = missing_cents
        self.balance_cents = balance_cents
        self.amount_cents = amount_cents

    def __str__(self) -> str:
        return str(
            _(
                "Crédit insuffisant : votre portefeuille contient %(balance)s, il manque "
                "%(missing)s pour payer %(amount)s."
            )
            % {
                "balance": format_cents(self.balance_cents),
                "missing": format_cents(self.missing_cents),
                "amount": format_cents(self.amount_cents),
            }
        )


class InvitationNotPending(PaymentError):
    message = _("Cette invitation n'est plus en attente : elle a déjà reçu une réponse.")

    def __init__(self, status: str = "") -> None:
        super().__init__(status)
        self.status = status


class MandatoryInvitationCannotBeDeclined(PaymentError):
    message = _("Une activité obligatoire ne peut pas être déclinée.")


class InvitationNotPaid(PaymentError):
    message = _("Seule une invitation payée peut être remboursée.")


class IdempotencyKeyReused(PaymentError):
    """The same key was first used for another action or invitation."""

    message = _("Cette demande a déjà servi pour une autre opération. Recommencez.")


class InvalidAmount(PaymentError):
    message = _("Le montant doit être positif.")


class PaymentsDisabled(PaymentError):
    message = _("Les paiements ne sont pas activés pour ce réseau.")


class BankStatementInvalid(PaymentError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason)


class BankStatementAlreadyImported(PaymentError):
    message = _("Ce relevé a déjà été importé : il n'a rien crédité une seconde fois.")


class WalletInDebt(PaymentError):
    """A reversed transfer had already been spent: the wallet owes it, and pays nothing else
    until a top-up settles it."""

    def __init__(self, *, debt_cents: int) -> None:
        super().__init__(debt_cents)
        self.debt_cents = debt_cents

    def __str__(self) -> str:
        return str(
            _(
                "Votre portefeuille doit %(debt)s à l'école (un virement a été contre-passé par "
                "la banque après avoir été dépensé) : aucun paiement n'est possible avant qu'un "
                "rechargement ne règle cette dette."
            )
            % {"debt": format_cents(self.debt_cents)}
        )


class BankLineNotWaiting(PaymentError):
    """The transfer is no longer waiting in suspense (resolved meanwhile), or cannot go there."""

    message = _("Ce virement n'attend plus au compte d'attente : il a déjà été traité.")

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(self.reason or self.message)


class InvalidIban(PaymentError):
    """An IBAN that schwifty refuses, or one outside the SEPA zone (no pain.001 transfer)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return str(_("IBAN invalide : %(reason)s") % {"reason": self.reason})


class WithdrawalInDebt(PaymentError):
    """A wallet that owes the school (a reversed transfer already spent) pays nothing back."""

    def __init__(self, *, debt_cents: int) -> None:
        super().__init__(debt_cents)
        self.debt_cents = debt_cents

    def __str__(self) -> str:
        return str(
            _(
                "Ce portefeuille doit %(debt)s à l'école (un virement contre-passé par la banque "
                "après avoir été dépensé) : rien ne peut être remboursé avant que cette dette "
                "soit réglée."
            )
            % {"debt": format_cents(self.debt_cents)}
        )


class WithdrawalReasonMissing(PaymentError):
    message = _("Indiquez le motif du remboursement (par exemple : départ de l'école).")


class WithdrawalRequestPending(PaymentError):
    message = _(
        "Une demande de remboursement de votre solde attend déjà le secrétariat : "
        "il la traitera avant toute nouvelle demande."
    )


class WithdrawalRequestNotPending(PaymentError):
    message = _("Cette demande de remboursement a déjà été traitée.")


class WithdrawalRefusalReasonMissing(PaymentError):
    message = _("Indiquez pourquoi la demande est refusée : le parent verra ce motif.")

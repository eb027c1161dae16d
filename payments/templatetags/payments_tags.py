from html import escape as html_escape

from django import template
from django.utils.safestring import SafeData, SafeString

from payments.money import format_cents, iban_display

register = template.Library()


@register.filter
def euros(cents) -> str:
    """12345 → '123,45 €' (in the active language)."""
    if cents is None or cents == "":
        return ""
    return format_cents(int(cents))


@register.filter
def iban(value) -> str:
    """'BE71096123456769' → 'BE71 0961 2345 6769'."""
    return iban_display(value or "")


# One invitation of « Mes invitations »: a table row on a wide screen, a card on a phone (each
# cell then shows its column's name, from data-label; payments.css).
_ROW = (
    '<tr{overdue_class}><td data-label="{l_starts}">{starts_on}</td>'
    '<td data-label="{l_child}">{child}</td><td data-label="{l_debtor}">{debtor}</td>'
    '<th scope="row" class="description">{title}<br><span class="kind">{kind}</span></th>'
    '<td data-label="{l_amount}" class="num nowrap">{amount}</td>'
    '<td data-label="{l_due}"><span>{due_on}{overdue_badge}</span></td>'
    '<td class="auto-pay-cell"><form method="post" action="{auto_pay_url}" class="auto-pay-form">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="checkbox" name="auto_pay" id="auto-pay-{pk}"{checked}> '
    '<label for="auto-pay-{pk}"><span class="auto-pay-text">{auto_label}</span>'
    '<span class="visually-hidden"> — {for_whom}</span></label> '
    '<button type="submit" class="button small auto-pay-save">{save_label}'
    '<span class="visually-hidden"> — {for_whom}</span></button></form></td>'
    '<td class="actions">{pay}{decline}{document}</td></tr>'
)
_PAY = (
    '<a class="button primary" href="{url}">{label}<span class="visually-hidden"> — {who}'
    "</span></a>"
)
# Not enough credit: no « Payer » to click, the missing amount and the way to top up instead
# (the server still refuses a payment it cannot cover).
_SHORT = (
    '<p class="credit-short" id="credit-short-{pk}">{text}</p>'
    '<a class="button primary" href="{url}" aria-describedby="credit-short-{pk}">{label}'
    '<span class="visually-hidden"> — {who}</span></a>'
)


def _escaped(value) -> str:
    """Like Django's conditional_escape, without its lazy-string machinery on every call (the
    table escapes hundreds of values per page). Same output: & < > " ' are escaped."""
    if isinstance(value, SafeData):
        return str(value)
    return html_escape(str(value), quote=True)


def _fill(template: str, **values) -> SafeString:
    return SafeString(template.format(**{k: _escaped(v) for k, v in values.items()}))


@register.simple_tag(takes_context=True)
def pending_rows(context, rows) -> str:
    """The rows of « Mes invitations », built with format strings whose every value is escaped:
    the page may list many, and one template variable per cell would cost more than the rest of
    the page together."""
    from django.utils.translation import gettext as _

    labels = {
        "optional": _("Activité facultative"),
        "mandatory": _("Activité obligatoire"),
        "overdue": _("en retard"),
        "auto": _("Payer automatiquement"),
        "save": _("Enregistrer"),
        "pay": _("Payer"),
        "decline": _("Décliner"),
        "document": _("Document"),
        "top_up": _("Recharger mon portefeuille"),
    }
    columns = {
        "l_starts": _("Date de début"),
        "l_child": _("Bénéficiaire"),
        "l_debtor": _("Débiteur"),
        "l_amount": _("Montant"),
        "l_due": _("Échéance"),
    }
    csrf = context.get("csrf_token", "")
    overdue_badge = _fill(
        ' <strong class="badge-overdue">{label}</strong>', label=labels["overdue"]
    )
    html = []
    for row in rows:
        decline = document = ""
        if row["missing"]:
            pay = _fill(
                _SHORT,
                pk=row["pk"],
                text=_("Crédit insuffisant : il manque %(missing)s.") % {"missing": row["missing"]},
                url=row["top_up_url"],
                label=labels["top_up"],
                who=row["for_whom"],
            )
        else:
            pay = _fill(_PAY, url=row["pay_url"], label=labels["pay"], who=row["for_whom"])
        if row["decline_url"]:
            decline = _fill(
                '<a class="button" href="{url}">{label}'
                '<span class="visually-hidden"> — {who}</span></a>',
                url=row["decline_url"],
                label=labels["decline"],
                who=row["for_whom"],
            )
        if row["document_url"]:
            document = _fill(
                '<a class="button" href="{url}">{label}<span class="visually-hidden"> — '
                "{who} (PDF)</span></a>",
                url=row["document_url"],
                label=labels["document"],
                who=row["for_whom"],
            )
        html.append(
            _fill(
                _ROW,
                overdue_class=SafeString(' class="overdue"') if row["overdue"] else "",
                overdue_badge=overdue_badge if row["overdue"] else "",
                kind=labels["optional"] if row["optional"] else labels["mandatory"],
                checked=SafeString(" checked") if row["auto_pay"] else "",
                csrf=csrf,
                auto_label=labels["auto"],
                save_label=labels["save"],
                pay=pay,
                decline=decline,
                document=document,
                **columns,
                **{
                    k: row[k]
                    for k in (
                        "pk",
                        "starts_on",
                        "child",
                        "debtor",
                        "title",
                        "amount",
                        "due_on",
                        "for_whom",
                        "auto_pay_url",
                    )
                },
            )
        )
    return SafeString("\n".join(html))

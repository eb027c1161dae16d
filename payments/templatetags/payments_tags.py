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


_ROW = (
    "<tr{overdue_class}><td>{starts_on}</td><td>{child}</td><td>{debtor}</td>"
    '<th scope="row" class="description">{title}<br><span class="kind">{kind}</span></th>'
    '<td class="num nowrap">{amount}</td><td class="nowrap">{due_on}{overdue_badge}</td>'
    "<td></td><td></td>"
    '<td><form method="post" action="{auto_pay_url}" class="auto-pay-form">'
    '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="checkbox" name="auto_pay" id="auto-pay-{pk}"{checked}> '
    '<label for="auto-pay-{pk}"><span class="visually-hidden">{auto_label} : {for_whom}</span>'
    "</label> "
    '<button type="submit" class="button small auto-pay-save">{save_label}'
    '<span class="visually-hidden"> — {for_whom}</span></button></form></td>'
    '<td class="actions"><a class="button primary small" href="{pay_url}">{pay_label}'
    '<span class="visually-hidden"> — {for_whom}</span></a>{decline}{document}</td></tr>'
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
    }
    csrf = context.get("csrf_token", "")
    overdue_badge = _fill(
        ' <strong class="badge-overdue">{label}</strong>', label=labels["overdue"]
    )
    html = []
    for row in rows:
        decline = document = ""
        if row["decline_url"]:
            decline = _fill(
                ' <a class="button small" href="{url}">{label}'
                '<span class="visually-hidden"> — {who}</span></a>',
                url=row["decline_url"],
                label=labels["decline"],
                who=row["for_whom"],
            )
        if row["document_url"]:
            document = _fill(
                ' <a class="button small" href="{url}">{label}<span class="visually-hidden"> — '
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
                pay_label=labels["pay"],
                decline=decline,
                document=document,
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
                        "pay_url",
                    )
                },
            )
        )
    return SafeString("\n".join(html))

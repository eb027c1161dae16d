"""The help desk: thin views inside the admin site (login, TOTP and host tenant checked by
`admin_view`). Every person URL goes through `person_get_for_helpdesk`: a 404 outside the
viewer's tenant and schools."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.http import AuthenticatedRequest
from helpdesk import services
from helpdesk.charts import bar_chart
from helpdesk.exceptions import DeskCodeNotOffered, NotActivatable, PersonOutranksViewer
from helpdesk.forms import DeskCodeForm, SearchForm
from helpdesk.selectors.access import actions_recent, person_get_for_helpdesk
from helpdesk.selectors.attention import ATTENTION_DAYS, messages_needing_attention
from helpdesk.selectors.card import person_card, person_message_get
from helpdesk.selectors.coverage import (
    METHOD_FILTERS,
    methods_coverage,
    methods_coverage_cached,
    methods_coverage_people,
    school_for_coverage,
)
from helpdesk.selectors.search import person_search
from helpdesk.selectors.stats import week_stats
from outbox.exceptions import MessageNotResendable
from portal.admin_site import admin_site
from portal.http import client_ip
from recovery.codes import mask_email
from recovery.models import Outcome


def _context(request: AuthenticatedRequest, **context) -> dict:
    return {**admin_site.each_context(request), **context}


def person_email_masked(person) -> str:
    return mask_email(person.email) if person.email else "—"


def _person(request: AuthenticatedRequest, pk: int):
    return person_get_for_helpdesk(viewer=request.user, tenant=request.tenant, person_id=pk)


def _back_to_card(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("admin:helpdesk_person", args=[pk]))


def _outranked(request: AuthenticatedRequest, pk: int) -> HttpResponseRedirect:
    messages.error(
        request,
        _("Refusé : vous ne pouvez pas gérer le compte de quelqu'un qui a autant de droits que "
          "vous, ou plus. Demandez à l'administrateur du réseau."),
    )  # fmt: skip
    return _back_to_card(pk)


def index(request: AuthenticatedRequest) -> HttpResponse:
    """One search box; without a search, the week's numbers."""
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context = _context(request, title=_("Guichet d'aide"), form=form, query=query)
    if query:
        context["results"] = list(
            person_search(viewer=request.user, tenant=request.tenant, query=query)
        )
    else:
        stats = week_stats()
        context |= {
            "stats": stats,
            "requests_chart": bar_chart(
                chart_id="chart-requests",
                title=_("Demandes de récupération des 7 derniers jours, par parcours et résultat"),
                bars=stats.requests,
                description=_("Les mêmes nombres figurent dans le tableau qui suit."),
            ),
            "messages_chart": bar_chart(
                chart_id="chart-messages",
                title=_("Messages des 7 derniers jours, par état d'envoi"),
                bars=stats.messages,
                description=_("Les mêmes nombres figurent dans le tableau qui suit."),
            ),
            "recent_actions": actions_recent(viewer=request.user, tenant=request.tenant),
            "attention": messages_needing_attention(viewer=request.user, tenant=request.tenant),
            "attention_days": ATTENTION_DAYS,
            "coverage": methods_coverage_cached(viewer=request.user, tenant=request.tenant),
        }
    return TemplateResponse(request, "helpdesk/index.html", context)


def person(
    request: AuthenticatedRequest, pk: int, desk_form: DeskCodeForm | None = None
) -> HttpResponse:
    card = person_card(viewer=request.user, tenant=request.tenant, person_id=pk)
    return TemplateResponse(
        request,
        "helpdesk/person.html",
        _context(
            request,
            title=str(card.person),
            card=card,
            person=card.person,
            desk_code_offered=card.manageable and services.desk_code_offered(person=card.person),
            desk_form=desk_form or DeskCodeForm(),
        ),
        status=400 if desk_form is not None else 200,
    )


COVERAGE_PAGE_SIZE = 50


def coverage(request: AuthenticatedRequest) -> HttpResponse:
    """Who registered recovery methods, per school of the viewer's and per method."""
    figures = methods_coverage(viewer=request.user, tenant=request.tenant)
    if figures is None:
        raise Http404
    context = _context(request, title=_("Méthodes de récupération enregistrées"), coverage=figures)
    return TemplateResponse(request, "helpdesk/coverage.html", context)


def coverage_people(request: AuthenticatedRequest, school_id: int) -> HttpResponse:
    """The people of one school with (or without) a method, by name, 50 a page."""
    school = school_for_coverage(viewer=request.user, tenant=request.tenant, school_id=school_id)
    method = request.GET.get("method", "enough")
    if method not in METHOD_FILTERS:
        raise Http404
    required = request.tenant.two_step_methods_required if request.tenant else 2
    people = methods_coverage_people(school=school, method=method, required=required)
    page = Paginator(people, COVERAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = _context(
        request,
        title=school.name,
        school=school,
        method=method,
        methods=METHOD_FILTERS,
        page=page,
        required=required,
    )
    return TemplateResponse(request, "helpdesk/coverage_people.html", context)


def migrate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if services.helpdesk_migrate(person=person, by=request.user, ip=client_ip(request)):
        messages.success(
            request,
            _("Le compte de %(name)s est migré : les messages de récupération lui parviendront.")
            % {"name": person},
        )
    else:
        messages.info(request, _("Le compte de %(name)s était déjà migré.") % {"name": person})
    return _back_to_card(pk)


def send_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        outcome = services.helpdesk_send_reset(
            person=person, by=request.user, ip=client_ip(request)
        )
    except PersonOutranksViewer:
        return _outranked(request, pk)
    if outcome == Outcome.MAIL_SENT:
        messages.success(
            request,
            _("Un lien de réinitialisation part vers %(address)s.")
            % {"address": person_email_masked(person)},
        )
    else:
        messages.warning(
            request,
            _("Aucun lien envoyé : %(reason)s.") % {"reason": Outcome(outcome).label},
        )
    return _back_to_card(pk)


def send_activation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        sent = services.helpdesk_send_activation(
            person=person, by=request.user, ip=client_ip(request)
        )
    except PersonOutranksViewer:
        return _outranked(request, pk)
    if sent:
        messages.success(
            request,
            _("Le code d'activation part vers %(address)s.")
            % {"address": person_email_masked(person)},
        )
    else:
        messages.warning(
            request,
            _("Le code d'activation n'a pas été envoyé (pas d'adresse, ou compte déjà activé) : "
              "imprimez plutôt une lettre."),
        )  # fmt: skip
    return _back_to_card(pk)


def print_letter(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        pdf = services.helpdesk_print_letter(person=person, by=request.user, ip=client_ip(request))
    except PersonOutranksViewer:
        return _outranked(request, pk)
    except NotActivatable:
        messages.warning(
            request,
            _("Ce compte a déjà un mot de passe (ou est désactivé) : un code d'activation n'y "
              "servirait à rien. Envoyez plutôt un lien de réinitialisation."),
        )  # fmt: skip
        return _back_to_card(pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="activation-{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def lift_throttles(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    lifted = services.helpdesk_lift_throttles(person=person, by=request.user, ip=client_ip(request))
    if lifted:
        messages.success(request, _("Limites levées : %(list)s.") % {"list": ", ".join(lifted)})
    else:
        messages.info(
            request, _("Aucune limite n'était atteinte ; les compteurs sont remis à zéro.")
        )
    return _back_to_card(pk)


def resend_message(request: AuthenticatedRequest, pk: int, message_pk: int) -> HttpResponse:
    person = _person(request, pk)
    message = person_message_get(person=person, message_id=message_pk)
    try:
        services.helpdesk_resend_message(
            person=person, message=message, by=request.user, ip=client_ip(request)
        )
    except MessageNotResendable:
        messages.error(request, _("Seul un message en échec définitif peut être renvoyé."))
    else:
        messages.success(
            request,
            _("Le message à %(to)s est renvoyé.") % {"to": message.masked_to},
        )
    return _back_to_card(pk)


def desk_code(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The one-time code, shown once on a page the secretary prints or reads out; the card
    again, with the form's errors, if the identity check is not confirmed."""
    person_obj = _person(request, pk)
    form = DeskCodeForm(request.POST)
    if not form.is_valid():
        return person(request, pk, desk_form=form)
    try:
        issued = services.helpdesk_desk_code(
            person=person_obj, by=request.user, handover=form.cleaned_data["handover"],
            ip=client_ip(request),
        )  # fmt: skip
    except PersonOutranksViewer:
        return _outranked(request, pk)
    except DeskCodeNotOffered:
        messages.warning(
            request,
            _("Ce compte ne peut pas recevoir de code à usage unique (désactivé, ou le réseau "
              "n'utilise pas la vérification en deux étapes). Envoyez plutôt un lien."),
        )  # fmt: skip
        return _back_to_card(pk)
    response = TemplateResponse(
        request,
        "helpdesk/desk_code.html",
        _context(request, title=_("Code à usage unique"), person=person_obj, issued=issued),
    )
    response["Cache-Control"] = "no-store"
    return response

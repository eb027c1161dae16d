"""The help desk's pages, mounted inside the admin site (by `helpdesk.admin.HelpdeskActionAdmin`)
so each goes through the site's login, second factor and host-tenant checks (`admin_view`)."""

from collections.abc import Callable

from django.contrib.admin import AdminSite
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from helpdesk import views


def helpdesk_urlpatterns(site: AdminSite) -> list[URLPattern]:
    def page(view: Callable) -> Callable:
        return site.admin_view(view)

    def action(view: Callable) -> Callable:
        return site.admin_view(require_POST(view))

    return [
        path("", page(views.index), name="helpdesk_index"),
        path("personne/<int:pk>/", page(views.person), name="helpdesk_person"),
        path("methodes/", page(views.coverage), name="helpdesk_coverage"),
        path(
            "methodes/ecole/<int:school_id>/",
            page(views.coverage_people),
            name="helpdesk_coverage_people",
        ),
        path("personne/<int:pk>/migrer/", action(views.migrate), name="helpdesk_migrate"),
        path(
            "personne/<int:pk>/reinitialisation/",
            action(views.send_reset),
            name="helpdesk_send_reset",
        ),
        path(
            "personne/<int:pk>/activation/",
            action(views.send_activation),
            name="helpdesk_send_activation",
        ),
        path("personne/<int:pk>/lettre/", action(views.print_letter), name="helpdesk_letter"),
        path(
            "personne/<int:pk>/code-a-usage-unique/",
            action(views.desk_code),
            name="helpdesk_desk_code",
        ),
        path(
            "personne/<int:pk>/limites/",
            action(views.lift_throttles),
            name="helpdesk_lift_throttles",
        ),
        path(
            "personne/<int:pk>/messages/<int:message_pk>/renvoyer/",
            action(views.resend_message),
            name="helpdesk_resend_message",
        ),
    ]

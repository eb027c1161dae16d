from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("invitations/", views.invitations, name="invitations"),
    path("invitations/historique/", views.history, name="history"),
    path("invitations/<int:pk>/payer/", views.pay, name="pay"),
    path("invitations/<int:pk>/decliner/", views.decline, name="decline"),
    path("invitations/<int:pk>/paiement-automatique/", views.invitation_auto_pay, name="auto_pay"),
    path("invitations/<int:pk>/document/", views.document, name="document"),
    path("invitations/<int:pk>/recu/", views.receipt, name="receipt"),
    path("portefeuille/", views.wallet, name="wallet"),
    path("portefeuille/paiement-automatique/", views.wallet_auto_pay, name="wallet_auto_pay"),
    path("portefeuille/releve/", views.statement, name="statement"),
    path(
        "portefeuille/remboursement/",
        views.wallet_withdrawal_request,
        name="wallet_withdrawal_request",
    ),
    path("portefeuille/recharger.pdf", views.top_up_sheet, name="top_up_sheet"),
    path("calendrier/", views.calendar_month, name="calendar"),
    path("calendrier/nouvelle-adresse/", views.calendar_feed_renew, name="calendar_renew"),
    path("calendrier/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]

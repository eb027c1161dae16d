from django.urls import path

from demo import views

urlpatterns = [
    path("dev-inbox/", views.dev_inbox, name="dev_inbox"),
    path("dev-inbox/<int:message_id>/", views.dev_inbox_message, name="dev_inbox_message"),
]

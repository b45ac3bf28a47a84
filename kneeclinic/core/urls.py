from django.urls import path

from kneeclinic.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today_view, name="today"),
    path("about/", views.about, name="about"),
    path("settings/tokens/", views.list_tokens, name="list-tokens"),
    path("settings/tokens/<uuid:code>/revoke/", views.revoke_token, name="revoke-token"),
]

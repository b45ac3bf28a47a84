from django.urls import path

from kneeclinic.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.list_runs, name="list-runs"),
]

from django.urls import path

from kneeclinic.clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.caseload, name="caseload"),
]

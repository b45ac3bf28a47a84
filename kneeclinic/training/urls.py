from django.urls import path

from kneeclinic.training import views

app_name = "training"

urlpatterns = [
    path("", views.load, name="load"),
    path("check/", views.check_plan, name="check-plan"),
]

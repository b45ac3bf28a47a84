from django.urls import path

from kneeclinic.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan, name="plan"),
]

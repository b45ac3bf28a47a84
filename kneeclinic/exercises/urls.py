from django.urls import path

from kneeclinic.exercises import views

app_name = "exercises"

urlpatterns = [
    path("", views.programme, name="programme"),
]

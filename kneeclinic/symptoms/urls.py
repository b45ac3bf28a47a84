from django.urls import path

from kneeclinic.symptoms import views

app_name = "symptoms"

urlpatterns = [
    path("", views.diary, name="diary"),
]

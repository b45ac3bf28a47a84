from django.urls import include, path

from kneeclinic.api import api
from kneeclinic.core import views as core_views

handler500 = "kneeclinic.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("kneeclinic.accounts.urls")),
    path("runs/", include("kneeclinic.activities.urls")),
    path("load/", include("kneeclinic.training.urls")),
    path("diary/", include("kneeclinic.symptoms.urls")),
    path("exercises/", include("kneeclinic.exercises.urls")),
    path("plan/", include("kneeclinic.plans.urls")),
    path("learn/", include("kneeclinic.knowledge.urls")),
    path("clinic/", include("kneeclinic.clinic.urls")),
    path("", include("kneeclinic.core.urls")),
]

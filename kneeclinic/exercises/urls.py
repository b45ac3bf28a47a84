from django.urls import path

from kneeclinic.exercises import views

app_name = "exercises"

urlpatterns = [
    path("", views.programme, name="programme"),
    path("start/", views.start_programme, name="start-programme"),
    path("stop/", views.stop_programme, name="stop-programme"),
    path("changes/seen/", views.seen_changes, name="seen-changes"),
    path("library/", views.list_exercises, name="list-exercises"),
    path("library/<slug:slug>/", views.show_exercise, name="show-exercise"),
    path("session/", views.play_session, name="play-session"),
    path("warm-up/", views.play_warm_up, name="play-warm-up"),
    path("sessions/sync/", views.sync_session, name="sync-session"),
    path("items/<uuid:code>/decide/", views.decide_suggestion, name="decide-suggestion"),
    path("sw.js", views.service_worker, name="service-worker"),
]

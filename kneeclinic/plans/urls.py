from django.urls import path

from kneeclinic.plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan, name="plan"),
    path("readiness/", views.check_readiness, name="check-readiness"),
    path("choose/", views.choose_plan, name="choose-plan"),
    path("<uuid:code>/sessions/", views.log_session, name="log-session"),
    path("<uuid:code>/timer/", views.run_timer, name="run-timer"),
    path("<uuid:code>/end/", views.end_plan, name="end-plan"),
    path("<uuid:code>/calendar.ics", views.download_calendar, name="download-calendar"),
    path("<uuid:code>/sign-off/", views.sign_off_plan, name="sign-off-plan"),
    path("sessions/<uuid:code>/morning/", views.record_morning, name="record-morning"),
    path("cadence/", views.review_cadence, name="review-cadence"),
    path("runners/<uuid:code>/cadence-target/", views.set_runner_target, name="set-runner-target"),
    path("cadence/click-track.wav", views.download_click_track, name="download-click-track"),
    path("shoes/", views.list_shoes, name="list-shoes"),
    path("shoes/<uuid:code>/", views.show_shoe, name="show-shoe"),
    path("shoes/<uuid:code>/delete/", views.delete_shoe, name="delete-shoe"),
    path("runs/<uuid:code>/shoe/", views.assign_shoe, name="assign-shoe"),
]

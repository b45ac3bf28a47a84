from django.urls import path

from kneeclinic.clinic import views

app_name = "clinic"

urlpatterns = [
    path("", views.caseload_view, name="caseload"),
    path("invite/", views.invite, name="invite"),
    path(
        "invitations/<uuid:code>/withdraw/",
        views.withdraw_invitation,
        name="withdraw-invitation",
    ),
    path("runners/<uuid:code>/", views.runner_timeline, name="runner"),
    path("runners/<uuid:code>/report/", views.runner_report, name="report"),
    path("runners/<uuid:code>/report.pdf", views.runner_report_pdf, name="report-pdf"),
    path("runners/<uuid:code>/notes/new/", views.note_new, name="note-new"),
    path("runners/<uuid:code>/review/", views.review, name="review"),
    path("runners/<uuid:code>/exercises/", views.prescribe, name="prescribe"),
    path("runners/<uuid:code>/plan/", views.set_plan, name="set-plan"),
    path("notes/<uuid:code>/", views.note_detail, name="note"),
    path("notes/<uuid:code>/edit/", views.note_edit, name="note-edit"),
    path("links/<uuid:code>/end/", views.end_link, name="end-link"),
    path("staff/", views.staff, name="staff"),
    path("staff/<uuid:code>/remove/", views.remove_staff, name="remove-staff"),
    path("audit/export.csv", views.audit_export, name="audit-export"),
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/agree/", views.agree, name="agree"),
    path("sharing/access-log/", views.access_log, name="access-log"),
    path("sharing/notes/", views.shared_notes, name="shared-notes"),
    path("join/<str:token>/", views.join, name="join"),
    path("sharing/invite-physio/", views.invite_physio, name="invite-physio"),
    path(
        "sharing/invitations/<uuid:code>/withdraw/",
        views.withdraw_physio_invitation,
        name="withdraw-physio-invitation",
    ),
    path("runner-code/", views.runner_code, name="runner-code"),
    path("from-runner/<str:token>/", views.from_runner, name="from-runner"),
    path("accept-runner/", views.accept_runner, name="accept-runner"),
]

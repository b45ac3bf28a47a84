from django.urls import path

from kneeclinic.symptoms import views

app_name = "symptoms"

urlpatterns = [
    path("", views.diary, name="diary"),
    path("pain/new/", views.add_pain, name="add-pain"),
    path("pain/morning/", views.record_morning, name="record-morning"),
    path("pain/<uuid:code>/delete/", views.delete_pain, name="delete-pain"),
    path("advice/", views.record_advice, name="record-advice"),
    path("check/", views.start_checker, name="start-checker"),
    path("check/questionnaire.json", views.show_questionnaire, name="show-questionnaire"),
    path("check/responses/", views.submit_response, name="submit-response"),
    path("check/<uuid:code>/", views.show_result, name="show-result"),
    path("check/<uuid:code>/<slug:question_id>/", views.answer_question, name="answer-question"),
    path("self-help/", views.list_selfhelp, name="list-selfhelp"),
    path("self-help/log/", views.log_selfhelp, name="log-selfhelp"),
    path("self-help/painkillers/check/", views.check_painkillers, name="check-painkillers"),
    path("self-help/<slug:measure>/", views.show_selfhelp, name="show-selfhelp"),
    path("kujala/", views.list_kujala, name="list-kujala"),
    path("kujala/new/", views.add_kujala, name="add-kujala"),
]

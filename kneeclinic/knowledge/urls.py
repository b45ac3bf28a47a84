from django.urls import path

from kneeclinic.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.learn, name="learn"),
    path("search/", views.search_articles, name="search-articles"),
    path("suggest/", views.suggest_topic, name="suggest-topic"),
    path("suggestions/", views.list_suggestions, name="list-suggestions"),
    path("suggestions/<uuid:code>/", views.update_suggestion, name="update-suggestion"),
    path("clinics/", views.list_clinics, name="list-clinics"),
    path("clinics/<uuid:code>/", views.show_clinic, name="show-clinic"),
    path("clinics/<uuid:code>/edit/", views.edit_clinic, name="edit-clinic"),
    path("clinics/<uuid:code>/request/", views.request_assessment, name="request-assessment"),
    path("clinics/<uuid:code>/requests/", views.list_requests, name="list-requests"),
    path("<slug:slug>/", views.show_article, name="show-article"),
]

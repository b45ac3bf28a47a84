from django.urls import path

from kneeclinic.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("today/", views.today_view, name="today"),
    path("about/", views.about, name="about"),
    path("settings/tokens/", views.list_tokens, name="list-tokens"),
    path("settings/data/", views.your_data, name="your-data"),
    path("settings/data/export/", views.start_export, name="start-export"),
    path("settings/data/exports/<uuid:code>/", views.show_export, name="show-export"),
    path(
        "settings/data/exports/<uuid:code>/download/",
        views.download_export,
        name="download-export",
    ),
    path("settings/data/import/", views.import_data, name="import-data"),
    path("settings/data/calendar/", views.new_calendar_feed, name="new-calendar-feed"),
    path("settings/data/calendar/revoke/", views.revoke_calendar_feed, name="revoke-calendar-feed"),
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar-feed"),
    path("settings/data/erase/", views.request_erasure, name="request-erasure"),
    path("settings/data/erase/cancel/", views.cancel_erasure, name="cancel-erasure"),
    path("settings/tokens/<uuid:code>/revoke/", views.revoke_token, name="revoke-token"),
]

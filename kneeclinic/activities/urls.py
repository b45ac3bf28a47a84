from django.urls import path

from kneeclinic.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.list_runs, name="list-runs"),
    path("new/", views.create_run, name="create-run"),
    path("import/", views.import_files, name="import-files"),
    path("import/<uuid:code>/", views.show_import, name="show-import"),
    path("merges/<uuid:code>/undo/", views.undo_merge, name="undo-merge"),
    path("<uuid:code>/", views.show_run, name="show-run"),
    path("<uuid:code>/edit/", views.edit_run, name="edit-run"),
    path("<uuid:code>/delete/", views.delete_run, name="delete-run"),
    path("<uuid:code>/original/", views.download_original, name="download-original"),
]

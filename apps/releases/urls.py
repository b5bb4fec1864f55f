from django.urls import path

from . import views

app_name = "releases"

urlpatterns = [
    path("", views.release_index, name="list"),
]

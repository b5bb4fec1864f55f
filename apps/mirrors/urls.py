from django.urls import path

from . import views

app_name = "mirrors"

urlpatterns = [
    path("", views.mirror_index, name="list"),
]

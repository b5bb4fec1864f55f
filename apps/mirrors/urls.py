from django.urls import path

from . import views

app_name = "mirrors"

urlpatterns = [
    path("", views.mirror_index, name="list"),
    path("<int:pk>/", views.mirror_page, name="detail"),
]

from django.urls import path

from . import views, views_health

app_name = "servers"

urlpatterns = [
    path("", views.server_index, name="list"),
    path("status/", views_health.server_status, name="status"),
    path("<str:hostname>/", views_health.server_detail, name="detail"),
]

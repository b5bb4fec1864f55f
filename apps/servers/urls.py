from django.urls import path

from . import traffic_views, views

app_name = "servers"

urlpatterns = [
    path("", views.server_index, name="list"),
    path("bandwidth/", traffic_views.bandwidth_index, name="bandwidth"),
    path("<str:hostname>/bandwidth/", traffic_views.server_bandwidth_page, name="server-bandwidth"),
]

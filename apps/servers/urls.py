from django.urls import path

from . import traffic_views, views, views_health

app_name = "servers"

urlpatterns = [
    path("", views.server_index, name="list"),
    path("status/", views_health.server_status, name="status"),
    path("bandwidth/", traffic_views.bandwidth_index, name="bandwidth"),
    path("<str:hostname>/", views_health.server_detail, name="detail"),
    path("<str:hostname>/bandwidth/", traffic_views.server_bandwidth_page, name="server-bandwidth"),
]

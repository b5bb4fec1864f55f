from django.urls import path

from .views import health, servers, traffic

app_name = "servers"

urlpatterns = [
    path("", servers.server_index, name="list"),
    path("status/", health.server_status, name="status"),
    path("bandwidth/", traffic.bandwidth_index, name="bandwidth"),
    path("<str:hostname>/", health.server_detail, name="detail"),
    path("<str:hostname>/bandwidth/", traffic.server_bandwidth_page, name="server-bandwidth"),
]

from django.urls import path

from .views import conditions, servers, traffic

app_name = "servers"

urlpatterns = [
    path("", servers.server_index, name="list"),
    path("status/", conditions.server_status, name="status"),
    path("bandwidth/", traffic.bandwidth_index, name="bandwidth"),
    path("<str:hostname>/", conditions.server_detail, name="detail"),
    path("<str:hostname>/bandwidth/", traffic.server_bandwidth_page, name="server-bandwidth"),
]

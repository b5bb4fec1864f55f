"""Pages of the delivery app. /mirrorlist, /metalink, the ISO redirects and /healthz are
answered by the lean front (front.py) before Django sees them."""

from django.urls import path

from . import capacity_views, views

app_name = "delivery"

urlpatterns = [
    path("isoredirect/<str:release>/isos/<str:arch>/", views.iso_folder, name="iso-folder"),
    path("delivery/usage/", views.usage_chart, name="usage"),
    path("capacity/", capacity_views.capacity_page, name="capacity"),
]

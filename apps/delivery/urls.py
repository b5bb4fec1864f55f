"""Pages of the delivery app. /mirrorlist, /metalink, the ISO redirects and /healthz are
answered by the lean front (front.py) before Django sees them."""

from django.urls import path

from .views import capacity, pages

app_name = "delivery"

urlpatterns = [
    path("isoredirect/<str:release>/isos/<str:arch>/", pages.iso_folder, name="iso-folder"),
    path("delivery/usage/", pages.usage_chart, name="usage"),
    path("capacity/", capacity.capacity_page, name="capacity"),
]

"""Routes of the delivery API, included under /api/v1/ by portal/api_urls.py."""

from django.urls import path

from . import listing, views

urlpatterns = [
    path("mirrorlist/", views.MirrorlistAPIView.as_view(), name="api-mirrorlist"),
    path("isoredirect/", views.IsoMirrorsAPIView.as_view(), name="api-isoredirect"),
    path("delivery/whereami/", views.WhereAmIAPIView.as_view(), name="api-delivery-whereami"),
    path("delivery/snapshot/", views.SnapshotAPIView.as_view(), name="api-delivery-snapshot"),
    path(
        "delivery/snapshot/publish/",
        views.SnapshotPublishAPIView.as_view(),
        name="api-delivery-snapshot-publish",
    ),
    path("delivery/status/", views.MirrorStatusAPIView.as_view(), name="api-delivery-status"),
    path("delivery/usage/", views.UsageAPIView.as_view(), name="api-delivery-usage"),
    path(
        "delivery/listing/<int:mirror_id>/",
        listing.MirrorListingAPIView.as_view(),
        name="api-delivery-listing",
    ),
]

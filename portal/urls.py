"""The portal's URLs: public pages, the admin and the REST API."""

from django.contrib import admin
from django.urls import include, path

from portal import views as portal_views

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("sponsors/", include("apps.sponsors.urls")),
    path("servers/", include("apps.servers.urls")),
    path("mirrors/", include("apps.mirrors.urls")),
    path("releases/", include("apps.releases.urls")),
    path("", include("apps.delivery.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
]

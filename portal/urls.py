"""The portal's URLs: public pages, the admin and the REST API."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from apps.core import accounts
from apps.core import views as core_views
from apps.delivery.views import release_rollout
from apps.mirrors import urls as mirror_urls
from portal import views as portal_views

# A release's rollout page shows the share of the answers naming it, so its view is
# delivery's (mirrors never imports delivery); it keeps its place among the mirrors' URLs.
# (A mirror's page and a sponsor's are their apps' own, with the parts delivery and
# partners add: apps.core.page_parts.)
mirror_urlpatterns = [
    *mirror_urls.urlpatterns,
    path("rollout/<str:version>/", release_rollout, name="rollout"),
]

# The mirrors' namespace spans /mirrors/ and the volunteers' own pages under /my/mirrors/.
mirrors_namespace = [
    path("mirrors/", include(mirror_urlpatterns)),
    path("my/mirrors/", include(mirror_urls.owner_urlpatterns)),
]

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("sponsors/", include("apps.sponsors.urls")),
    path("servers/", include("apps.servers.urls")),
    path("partners/", include("apps.partners.urls")),
    path("", include((mirrors_namespace, "mirrors"))),
    path("my/tokens/", core_views.token_list, name="tokens"),
    path("my/tokens/<int:pk>/revoke/", core_views.token_revoke_view, name="token-revoke"),
    path("releases/", include("apps.releases.urls")),
    path("", include("apps.delivery.urls")),
    path(
        "accounts/confirm-again/", accounts.confirmation_resend, name="account_confirmation_resend"
    ),  # fmt: skip
    path("accounts/", include("allauth.urls")),  # sign-up, log-in, password reset
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
]

if settings.DEBUG:  # uploaded files (sponsors' logos); production's web server serves them
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

from django.urls import path, re_path

from .views import lists, moderation, owners, webhooks

app_name = "mirrors"

urlpatterns = [
    path("", lists.mirror_index, name="list"),
    path("register/", owners.mirror_register_page, name="register"),
    path("register/suggestion/", owners.register_suggestion, name="register-suggestion"),
    path("status/", lists.mirror_status, name="status"),
    path("run/", lists.run_a_mirror, name="run"),
    path("tree/", lists.mirror_tree_page, name="tree"),
    re_path(r"^(?P<cc>[A-Za-z]{2})/$", lists.mirror_country, name="country"),
    path("<int:pk>/", lists.mirror_page, name="detail"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/approve/", moderation.moderation_approve, name="approve"),
    path("moderation/<int:pk>/reject/", moderation.moderation_reject, name="reject"),
    path("moderation/<int:pk>/disable/", moderation.moderation_disable, name="disable"),
    path("moderation/<int:pk>/enable/", moderation.moderation_enable, name="enable"),
]

# The volunteers' own pages, under /my/mirrors/ (portal/urls.py mounts them in this namespace).
o = owners
owner_urlpatterns = [
    path("", o.mirror_mine, name="mine"),
    path("<int:pk>/", o.mirror_mine_detail, name="mine-detail"),
    path("<int:pk>/edit/", o.mirror_edit, name="edit"),
    path("<int:pk>/switch/", o.mirror_switch, name="switch"),
    path("<int:pk>/windows/", o.mirror_windows, name="windows"),
    path("<int:pk>/windows/<int:window_id>/remove/", o.mirror_window_remove, name="window-remove"),
    path("<int:pk>/notifications/", o.mirror_notifications, name="notifications"),
    path("<int:pk>/webhooks/", webhooks.mirror_webhooks, name="webhooks"),
    path(
        "<int:pk>/webhooks/<int:hook_id>/remove/",
        webhooks.mirror_webhook_remove,
        name="webhook-remove",
    ),  # fmt: skip
    path("<int:pk>/invite/", o.mirror_invite, name="invite"),
    path("invites/<str:token>/", o.invite_accept, name="invite-accept"),
]

from django.urls import path, re_path

from . import moderation_views, owner_views, views, webhook_views

app_name = "mirrors"

urlpatterns = [
    path("", views.mirror_index, name="list"),
    path("register/", owner_views.mirror_register_page, name="register"),
    path("register/suggestion/", owner_views.register_suggestion, name="register-suggestion"),
    path("status/", views.mirror_status, name="status"),
    path("run/", views.run_a_mirror, name="run"),
    path("tree/", views.mirror_tree_page, name="tree"),
    re_path(r"^(?P<cc>[A-Za-z]{2})/$", views.mirror_country, name="country"),
    path("<int:pk>/", views.mirror_page, name="detail"),
    path("moderation/", moderation_views.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/approve/", moderation_views.moderation_approve, name="approve"),
    path("moderation/<int:pk>/reject/", moderation_views.moderation_reject, name="reject"),
    path("moderation/<int:pk>/disable/", moderation_views.moderation_disable, name="disable"),
    path("moderation/<int:pk>/enable/", moderation_views.moderation_enable, name="enable"),
]

# The volunteers' own pages, under /my/mirrors/ (portal/urls.py mounts them in this namespace).
o = owner_views
owner_urlpatterns = [
    path("", o.mirror_mine, name="mine"),
    path("<int:pk>/", o.mirror_mine_detail, name="mine-detail"),
    path("<int:pk>/edit/", o.mirror_edit, name="edit"),
    path("<int:pk>/switch/", o.mirror_switch, name="switch"),
    path("<int:pk>/windows/", o.mirror_windows, name="windows"),
    path("<int:pk>/windows/<int:window_id>/remove/", o.mirror_window_remove, name="window-remove"),
    path("<int:pk>/notifications/", o.mirror_notifications, name="notifications"),
    path("<int:pk>/webhooks/", webhook_views.mirror_webhooks, name="webhooks"),
    path(
        "<int:pk>/webhooks/<int:hook_id>/remove/",
        webhook_views.mirror_webhook_remove,
        name="webhook-remove",
    ),  # fmt: skip
    path("<int:pk>/invite/", o.mirror_invite, name="invite"),
    path("invites/<str:token>/", o.invite_accept, name="invite-accept"),
]

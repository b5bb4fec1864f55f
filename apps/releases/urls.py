from django.urls import path

from . import steps, views

app_name = "releases"

urlpatterns = [
    path("", views.release_index, name="list"),
    path("<str:version>/", views.release_detail, name="detail"),
    path(
        "<str:version>/candidates/<int:number>/results/",
        views.result_post,
        name="result-post",
    ),
    path("<str:version>/blockers/", views.blocker_post, name="blocker-post"),
    path("<str:version>/steps/", steps.release_step, name="step"),
    path("<str:version>/blockers/<int:pk>/vote/", views.blocker_vote_post, name="blocker-vote"),
]

from django.urls import path

from . import views

app_name = "sponsors"

urlpatterns = [
    path("", views.sponsor_index, name="list"),
    path("<slug:slug>/", views.sponsor_page, name="detail"),
    path("<slug:slug>/edit/", views.sponsor_page_edit, name="edit"),
    path("<slug:slug>/logo/", views.sponsor_logo_edit, name="logo"),
]

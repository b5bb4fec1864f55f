from django.urls import path

from . import views

app_name = "sponsors"

# The promotion page, "<slug:slug>/" named "detail", is added by portal/urls.py: it shows
# delivery's figures too (portal/sponsor_page.py).
urlpatterns = [
    path("", views.sponsor_index, name="list"),
    path("<slug:slug>/edit/", views.sponsor_page_edit, name="edit"),
    path("<slug:slug>/logo/", views.sponsor_logo_edit, name="logo"),
]

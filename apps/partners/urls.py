from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_index, name="list"),
    path("apply/", views.partner_application, name="apply"),
    path("review/", views.partner_review, name="review"),
    path("<slug:slug>/", views.partner_page, name="detail"),
    path("<slug:slug>/decide/", views.partner_decide, name="decide"),
]

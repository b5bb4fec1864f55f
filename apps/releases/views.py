"""Public pages of the releases app."""

from django.shortcuts import render

from .selectors import release_list


def release_index(request):
    return render(request, "releases/release_list.html", {"releases": release_list()})

"""The capacity page: the next release day's expected demand against what the listed
mirrors can give, per continent for everyone and per country in full for staff."""

from django.shortcuts import render
from django.utils import timezone

from ..selectors import capacity_forecast, shortfall_chart

PUBLIC_COUNTRIES = 10


def capacity_page(request):
    data = capacity_forecast(today=timezone.now().date())
    staff = request.user.is_authenticated and request.user.is_staff
    countries = data["countries"] if staff else data["countries"][:PUBLIC_COUNTRIES]
    context = {
        **data, "staff": staff, "country_rows": countries,
        "chart": shortfall_chart(data["countries"]),
        "day_percent": 100 * data.get("day_share", 0),
        "weeks_table": [(major, monday, answers) for major, (monday, answers)
                        in sorted(data["weeks"].items())],
    }  # fmt: skip
    return render(request, "delivery/capacity.html", context)

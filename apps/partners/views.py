"""The partner directory, a page per partner, the application form and staff's review."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from .filters import PartnerFilterSet
from .forms import PartnerApplicationForm, PartnerDecisionForm
from .models import Partner
from .selectors import partner_directory, partner_for_page, partner_map, partner_review_queue
from .services import PartnerDetails, partner_apply, partner_approve, partner_reject


def partner_index(request):
    filterset = PartnerFilterSet(request.GET, queryset=partner_directory())
    partners = list(filterset.qs) if filterset.is_valid() else []
    context = {"filter": filterset, "partners": partners, "map": partner_map(partners)}
    return render(request, "partners/partner_list.html", context)


def partner_page(request, slug: str):
    partner = partner_for_page(slug=slug, user=request.user)
    if partner is None:
        raise Http404("No listed partner has this address.")
    context = {"partner": partner, "decision_form": PartnerDecisionForm()}
    return render(request, "partners/partner_detail.html", context)


def _apply_rate(group, request) -> str:
    return settings.PARTNER_APPLY_RATE


@login_required
@ratelimit(key="user_or_ip", rate=_apply_rate, method="POST", group="partners.apply", block=False)
def partner_application(request):
    if getattr(request, "limited", False):
        return render(request, "429.html", status=429)
    form = PartnerApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        details = PartnerDetails(**{k: v for k, v in data.items() if k != "logo"})
        try:
            partner_apply(applicant=request.user, details=details, logo=data.get("logo"))
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(
                request, f"The application for {details.name} arrived; we e-mailed "
                f"{details.contact_email} and will write again after the review.",
            )  # fmt: skip
            return redirect("partners:list")
    return render(request, "partners/partner_apply.html", {"form": form})


@staff_member_required
def partner_review(request):
    return render(request, "partners/partner_review.html", {"partners": partner_review_queue()})


@staff_member_required
@require_POST
def partner_decide(request, slug: str):
    partner = get_object_or_404(Partner, slug=slug)
    form = PartnerDecisionForm(request.POST)
    if form.is_valid():
        if form.cleaned_data["decision"] == "approve":
            partner_approve(partner=partner, by=request.user)
            messages.success(request, f"{partner.name} is approved until "
                                      f"{partner.approved_until:%-d %B %Y}.")  # fmt: skip
        else:
            partner_reject(partner=partner, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, f"{partner.name} is rejected; the applicant is told why.")
        return redirect("partners:review")
    partner = partner_for_page(slug=slug, user=request.user)
    return render(request, "partners/partner_detail.html",
                  {"partner": partner, "decision_form": form}, status=400)  # fmt: skip

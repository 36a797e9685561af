"""A customer's own tickets, reached through the signed link in their acknowledgement.

From the page the customer can also write more; it becomes mail through the pipeline, a reply to the
ticket's last message, exactly as if they had answered our e-mail.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dapjang.portal.forms import FollowUpForm, rate_limited
from dapjang.portal.history import CustomerView, customer_view, last_message_id
from dapjang.portal.limits import client_key, submission_allowed, submission_record
from dapjang.portal.links import LinkExpired, LinkInvalid, ticket_token_read
from dapjang.portal.pages import client_address, portal_page
from dapjang.portal.submit import ContactMessage, contact_submit


@portal_page
@require_http_methods(["GET", "POST"])
def ticket(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = ticket_token_read(token)
    except LinkExpired:
        return _refused(
            request,
            410,
            _(
                "This link has expired. Links in our e-mails work for a limited time; write to us again "
                "and quote your ticket number, and we will send you a new one."
            ),
        )
    except LinkInvalid:
        return _refused(
            request, 403, _("This link is not valid. Please use the link exactly as it is in our e-mail.")
        )
    view = customer_view(target)
    if view is None:
        return _refused(request, 403, _("This link no longer leads to a ticket. Please write to us again."))
    form = FollowUpForm()
    if request.method == "POST" and view.ticket.customer is not None:
        form = FollowUpForm(request.POST, request.FILES)
        if form.is_valid():
            refused = _follow_up(request, view, form)
            if refused is None:
                messages.success(request, _("Your message was added to the ticket."))
                return redirect(request.path)
            form.add_error(None, refused)
        status = 429 if form.has_error("__all__", "rate_limited") else 400
        return _page(request, view, form, status=status)
    return _page(request, view, form)


def _follow_up(request: HttpRequest, view: CustomerView, form: FollowUpForm) -> ValidationError | None:
    """Sends the customer's words through the pipeline; a message for the form when it may not."""
    ticket, customer = view.ticket, view.ticket.customer
    assert customer is not None
    client = client_key(client_address(request))
    limit = submission_allowed(email=customer.email, client=client, now=timezone.now())
    if not limit.allowed:
        return rate_limited(limit.retry_minutes)
    result = contact_submit(
        ContactMessage(
            name=customer.name,
            email=customer.email,
            topic=ticket.queue.slug,
            queue_id=ticket.queue_id,
            product="",
            subject=f"Re: [#{ticket.number}] {ticket.subject}",
            message=form.cleaned_data["message"],
            attachments=tuple(form.cleaned_data["attachments"]),
            in_reply_to=last_message_id(ticket),
        ),
        client=client,
    )
    submission_record(email=customer.email, client=client, ticket_number=result.ticket or "")
    return None


def _page(request: HttpRequest, view: CustomerView, form: FollowUpForm, status: int = 200) -> HttpResponse:
    response = render(
        request, "portal/ticket.html", {"view": view, "form": form, "section": "ticket"}, status=status
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "portal/link_refused.html", {"message": message, "status": status}, status=status)

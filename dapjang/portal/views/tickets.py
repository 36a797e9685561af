"""A customer's own tickets, reached through the signed link in their acknowledgement."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dapjang.portal.history import customer_view
from dapjang.portal.links import LinkExpired, LinkInvalid, ticket_token_read
from dapjang.portal.pages import portal_page


@portal_page
@require_GET
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
    response = render(request, "portal/ticket.html", {"view": view, "section": "ticket"})
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "portal/link_refused.html", {"message": message, "status": status}, status=status)

"""Login and logout: Django's views with our page, a throttle, and redirects kept on our site.

Django's LoginView already refuses a `next` that leaves the site (`//evil.example`,
`https:evil.example`, `/\\evil.example`) and falls back to the inbox; the tests hold it to that.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dapjang.console.access import console_headers
from dapjang.console.throttle import login_blocked, login_failed, login_succeeded


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Please wait a few minutes and try again."),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["username"].label = _("E-mail or user name")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_blocked(username, address):
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username, address)
            raise
        login_succeeded(username, address)
        return cleaned


class ConsoleLoginView(LoginView):
    template_name = "console/login.html"
    authentication_form = ThrottledLoginForm
    redirect_authenticated_user = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return console_headers(super().dispatch(request, *args, **kwargs))

    def get_success_url(self) -> str:
        url = self.get_redirect_url()  # Django's: empty unless it is on this site
        if url.split("?", 1)[0] == self.request.path:
            url = ""  # `?next=` back to this page would trip Django's redirect-loop check (a 500)
        return url or self.get_default_redirect_url()

    def get_default_redirect_url(self) -> str:
        return reverse("console:inbox")


class ConsoleLogoutView(LogoutView):
    """POST only (Django 5): a link or an image tag cannot log an agent out."""

    def get_default_redirect_url(self) -> str:
        return reverse("console:login")


def root(request: HttpRequest) -> HttpResponse:
    return redirect("console:inbox" if request.user.is_authenticated else "console:login")

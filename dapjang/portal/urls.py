"""The customer portal: contact form, FAQ pages, a customer's own tickets (MISSION A10, C3)."""

from django.urls import URLPattern, path
from django.views.i18n import set_language

from dapjang.portal.views import contact, faq, tickets

app_name = "portal"
urlpatterns: list[URLPattern] = [
    path("", contact.contact, name="home"),
    path("contact/", contact.contact, name="contact"),
    path("contact/sent/", contact.sent, name="sent"),
    path("contact/suggest/", contact.suggest, name="suggest"),
    path("contact/answered/", contact.deflect, name="deflect"),
    path("faq/", faq.faq_list, name="faq"),
    path("faq/<str:faq_id>/", faq.faq_entry, name="faq_entry"),
    path("t/<str:token>/", tickets.ticket, name="ticket"),
    path("language/", set_language, name="set_language"),
]

"""The agent console's pages, mounted at the site root."""

from django.urls import URLPattern, path
from django.views.i18n import set_language

from dapjang.console.views import auth, compose, content, inbox, ticket

app_name = "console"
urlpatterns: list[URLPattern] = [
    path("", auth.root, name="root"),
    path("login/", auth.ConsoleLoginView.as_view(), name="login"),
    path("logout/", auth.ConsoleLogoutView.as_view(), name="logout"),
    path("language/", set_language, name="set_language"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("t/<str:number>/", ticket.ticket_page, name="ticket"),
    path("t/<str:number>/update/", ticket.ticket_update, name="ticket_update"),
    path("t/<str:number>/presence/", ticket.presence, name="presence"),
    path("t/<str:number>/reply/", compose.reply, name="reply"),
    path("t/<str:number>/note/", compose.note, name="note"),
    path("t/<str:number>/consult/", compose.consult, name="consult"),
    path("t/<str:number>/snippet/", compose.snippet, name="snippet"),
    path("t/<str:number>/a/<int:attachment_id>/", content.attachment, name="attachment"),
    path("t/<str:number>/m/<int:article_id>/", content.article_html, name="article_html"),
]

"""HTML is sanitised for the sandboxed frame and rendered as text, both within a time budget."""

from __future__ import annotations

import time

from dapjang.mail.htmltext import html_to_text, meta_charset, sanitise, strip_tags


def test_sanitise_removes_active_content_and_keeps_cid_images() -> None:
    dirty = (
        '<div style="position:fixed" onmouseover="x()"><script>alert(1)</script>'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>'
        '<img src="cid:part1@x"><img src="https://tracker.example/p.gif">'
        '<iframe src="https://evil.example"></iframe><form action="/x"><input></form></div>'
    )
    clean = sanitise(dirty)
    for bad in ("script", "onmouseover", "style=", "javascript:", "iframe", "<form", "<input"):
        assert bad not in clean
    assert 'src="cid:part1@x"' in clean
    assert 'href="https://ok.example/"' in clean
    assert 'rel="noopener noreferrer"' in clean


def test_data_uri_images_are_dropped() -> None:
    assert "data:" not in sanitise('<img src="data:image/png;base64,AAAA">')


def test_text_rendering_keeps_links_lists_and_tables_readable() -> None:
    text = html_to_text(
        "<h1>주문</h1><p>See <a href='https://shop.example/o'>your order</a></p>"
        "<ul><li>one</li><li>two</li></ul><table><tr><td>qty</td><td>2</td></tr></table>"
    )
    assert "[your order](https://shop.example/o)" in text
    assert "* one" in text and "* two" in text
    assert "qty  2" in text


def test_deeply_nested_html_still_yields_its_text() -> None:
    assert "deep" in html_to_text("<div>" * 10_000 + "deep" + "</div>" * 10_000)


def test_strip_tags_is_linear_on_unclosed_scripts() -> None:
    html = "<script>" * 200_000 + "x"
    start = time.process_time()
    strip_tags(html)
    assert time.process_time() - start < 1.0


def test_strip_tags_drops_scripts_and_unescapes() -> None:
    assert strip_tags("<style>p{}</style><p>a &amp; b</p><script>evil()</script>c") == "a & b\nc"


def test_meta_charset_is_found() -> None:
    assert (
        meta_charset(b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=euc-kr">')
        == "euc-kr"
    )
    assert meta_charset(b"<meta charset='utf-8'>") == "utf-8"

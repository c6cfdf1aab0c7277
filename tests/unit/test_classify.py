"""The link-status classifier, case by case."""

from __future__ import annotations

import pytest

from tests.hostile.botwalls import ORDINARY, WALLS, Shape
from verifier.core.classify import (
    classify_response,
    is_home_url,
    read_page,
    says_not_found,
    wall_reason,
)
from verifier.core.extract import decode_html
from verifier.core.statuses import LinkStatus

URL = "https://news.example/2024/05/committee-findings"
HTML = {"content-type": "text/html; charset=utf-8"}
LOREM = ("The committee published its findings on Tuesday after a year of hearings, and the report "
         "was welcomed by members of every party who had followed the inquiry closely. ")


def html(title: str, body: str, h1: str | None = None) -> bytes:
    head = f"<h1>{h1}</h1>" if h1 else ""
    return (f"<html><head><title>{title}</title></head><body><nav>Home News Sport</nav>"
            f"<article>{head}<p>{body}</p></article></body></html>").encode()


def classify(body: bytes, status: int = 200, headers: dict[str, str] | None = None,
             url: str = URL, final: str | None = None, redirects: tuple[str, ...] = ()) -> LinkStatus:
    h = headers if headers is not None else HTML
    return classify_response(status, h, url, final or url, list(redirects), read_page(body, h.get("content-type")))


def test_article_ok() -> None:
    assert classify(html("Committee publishes findings", LOREM * 5)) == LinkStatus.OK


@pytest.mark.parametrize("code,expected", [
    (404, LinkStatus.NOT_FOUND), (410, LinkStatus.NOT_FOUND), (400, LinkStatus.NOT_FOUND),
    (401, LinkStatus.BLOCKED), (403, LinkStatus.BLOCKED), (451, LinkStatus.BLOCKED), (429, LinkStatus.BLOCKED),
    (500, LinkStatus.SERVER_ERROR), (502, LinkStatus.SERVER_ERROR), (503, LinkStatus.SERVER_ERROR),
    (304, LinkStatus.OK),
])
def test_status_codes(code: int, expected: LinkStatus) -> None:
    assert classify(html("Error", "Something went wrong."), status=code) == expected


@pytest.mark.parametrize("title,body", [
    ("Page not found", "Sorry, the page you were looking for could not be found. Return to the home page."),
    ("404", "Nothing here."),
    ("Error 404 – Example News", "We looked everywhere."),
    ("Example News", "Sorry, this page doesn't exist. Try searching instead."),
    ("Example News", "The article you requested is no longer available."),
    ("Seite nicht gefunden", "Die angeforderte Seite existiert nicht."),
    ("Página no encontrada", "Lo sentimos, la página que busca no existe."),
    ("Page introuvable", "La page que vous cherchez n'existe pas ou a été déplacée."),
    ("Страница не найдена", "Запрашиваемая страница не существует."),
    ("Pagina non trovata", "La pagina richiesta non esiste."),
    ("Página não encontrada", "A página que você procura não existe."),
    ("ページが見つかりません", "お探しのページは見つかりませんでした。"),
    ("Oops!", "We can't find the page you're looking for."),
])
def test_soft_404_wordings(title: str, body: str) -> None:
    assert classify(html(title, body)) == LinkStatus.SOFT_404


def test_soft_404_by_heading_on_a_page_with_heavy_navigation() -> None:
    nav = " ".join(f"Section{i}" for i in range(300))
    page = html("Example News", nav, h1="Sorry, we couldn't find that page")
    assert classify(page) == LinkStatus.SOFT_404


def test_long_article_mentioning_not_found_stays_ok() -> None:
    body = LOREM * 4 + "The missing files were not found, and the page was no longer available online. " + LOREM * 4
    assert classify(html("Audit of the archive", body)) == LinkStatus.OK


def test_news_headline_with_not_found_is_not_an_error_page() -> None:
    body = LOREM * 12
    assert classify(html("Missing hiker not found after three days of searching", body)) == LinkStatus.OK


def test_article_about_404_pages_stays_ok_when_long() -> None:
    assert classify(html("Page not found: why the web forgets", LOREM * 80)) == LinkStatus.OK


@pytest.mark.parametrize("status", [200, 403, 503, 429])
def test_cloudflare_challenge_is_blocked_whatever_the_status(status: int) -> None:
    wall = (b"<html><head><title>Just a moment...</title></head><body><noscript>Please enable JavaScript "
            b"and cookies to continue</noscript><div id=challenge>Checking your browser before accessing the "
            b"site.</div></body></html>")
    assert classify(wall, status=status) == LinkStatus.BLOCKED


@pytest.mark.parametrize("body", [
    b"<html><head><title>Access to this page has been denied</title></head><body><div id='px-captcha'></div>"
    b"<p>Press &amp; Hold to confirm you are a human (and not a bot).</p></body></html>",  # PerimeterX
    b"<html><head><title>example.com</title></head><body><script src='https://ct.captcha-delivery.com/c.js'>"
    b"</script><p>Please enable JS and disable any ad blocker</p></body></html>",  # DataDome
    b"<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>You don't have permission to "
    b"access this resource on this server.<p>Reference #18.2f1e3b17.1715000000.5c4d</p></body></html>",  # Akamai
    b"<html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked"
    b"</body></html>",
    b"<html><body><form action='/verify'><div class='g-recaptcha' data-sitekey='x'></div>"
    b"<p>Please complete the security check.</p></form></body></html>",
])
def test_bot_walls(body: bytes) -> None:
    assert classify(body) == LinkStatus.BLOCKED


def test_challenge_header_marks_a_wall() -> None:
    assert classify_response(403, {"cf-mitigated": "challenge"}, URL) == LinkStatus.BLOCKED


def test_article_about_captchas_stays_ok() -> None:
    body = LOREM * 10 + "Critics say the captcha checks annoy readers who are not bots. " + LOREM * 10
    assert classify(html("Why captchas are everywhere", body)) == LinkStatus.OK


def test_redirect_to_home_page_is_soft_404() -> None:
    home = html("Welcome to the Daily Ledger", "Top stories of the day. Subscribe to our newsletter.")
    assert classify(home, final="https://news.example/", redirects=("https://news.example/",)) == LinkStatus.SOFT_404
    assert classify(home, final="https://www.news.example/en/",
                    redirects=("https://www.news.example/en/",)) == LinkStatus.SOFT_404


def test_redirect_to_error_path_is_soft_404() -> None:
    page = html("Example", LOREM)
    for final in ("https://news.example/404", "https://news.example/errors/not-found.html",
                  "https://news.example/search?error=404"):
        assert classify(page, final=final, redirects=(final,)) == LinkStatus.SOFT_404


def test_ordinary_redirect_stays_ok() -> None:
    final = "https://news.example/2024/05/committee-findings-published"
    assert classify(html("Committee", LOREM * 3), final=final, redirects=(final,)) == LinkStatus.OK
    assert classify(html("Home", LOREM * 3), url="http://news.example/", final="https://news.example/",
                    redirects=("https://news.example/",)) == LinkStatus.OK


def test_login_and_paywall_reached_by_redirect_are_blocked() -> None:
    login = html("Sign in", "Email Password Forgot your password?")
    final = "https://news.example/account/login?next=/2024/05/committee-findings"
    assert classify(login, final=final, redirects=(final,)) == LinkStatus.BLOCKED
    wall = html("Subscribe to continue reading", "Already a subscriber? Log in.")
    final2 = "https://news.example/offers?ref=article"
    assert classify(wall, final=final2, redirects=(final2,)) == LinkStatus.BLOCKED


@pytest.mark.parametrize("ctype", ["image/png", "image/jpeg", "video/mp4", "audio/mpeg", "application/zip",
                                   "application/octet-stream", "font/woff2"])
def test_non_text_types(ctype: str) -> None:
    assert classify_response(200, {"content-type": ctype}, URL) == LinkStatus.NO_TEXT


@pytest.mark.parametrize("ctype", ["application/pdf", "text/plain; charset=utf-8", "application/json",
                                   "application/xml"])
def test_text_types_without_page_are_ok(ctype: str) -> None:
    assert classify_response(200, {"content-type": ctype}, URL) == LinkStatus.OK


def test_script_only_page_is_no_text() -> None:
    js = b"<html><head><script src=/app.js></script></head><body><div id=root></div></body></html>"
    assert classify(js) == LinkStatus.NO_TEXT
    cra = (b"<html><head><title>App</title></head><body><noscript>You need to enable JavaScript to run this "
           b"app.</noscript><div id=root>Loading...</div><script>boot()</script></body></html>")
    assert classify(cra) == LinkStatus.NO_TEXT


def test_home_urls() -> None:
    assert is_home_url("https://a.example/") and is_home_url("https://a.example") and is_home_url("https://a.example/index.html")
    assert is_home_url("https://a.example/de/") and not is_home_url("https://a.example/ok")
    assert not is_home_url("https://a.example/news/")


def test_says_not_found_strict_mode() -> None:
    assert says_not_found("404 Not Found", strict=True)
    assert says_not_found("Page not found | Example", strict=True)
    assert not says_not_found("Missing hiker not found", strict=True)
    assert says_not_found("Missing hiker not found")


def test_decoding_legacy_charset_from_meta() -> None:
    text = "Доклад комиссии подтверждает выводы"
    body = f'<html><head><meta charset="windows-1251"><title>{text}</title></head><body><p>{text}</p></body></html>'
    raw = body.encode("cp1251")
    assert text in decode_html(raw, "text/html")
    page = read_page(raw, "text/html")
    assert page.title == text
    assert classify_response(200, {"content-type": "text/html"}, URL, page=page) == LinkStatus.OK


# ------------------------------------------------------------------ bot walls by vendor

def _classify_shape(shape: Shape) -> tuple[LinkStatus, str | None]:
    headers = {**shape.headers, "content-type": shape.content_type}
    page = read_page(shape.body, shape.content_type) if "html" in shape.content_type else None
    status = classify_response(shape.status, headers, shape.cited, shape.url, shape.hops, page, cookies=shape.cookies)
    return status, wall_reason(page, headers, shape.cookies, shape.status, shape.url)


@pytest.mark.parametrize("shape", WALLS, ids=lambda s: s.name)
def test_vendor_walls_are_blocked_with_the_vendor_named(shape: Shape) -> None:
    status, reason = _classify_shape(shape)
    assert status == LinkStatus.BLOCKED
    assert reason == f"bot wall: {shape.vendor} (HTTP {shape.status})"


@pytest.mark.parametrize("shape", ORDINARY, ids=lambda s: s.name)
def test_ordinary_pages_of_protected_sites_are_no_wall(shape: Shape) -> None:
    status, reason = _classify_shape(shape)
    assert status == LinkStatus(shape.expected)
    assert reason is None


def test_vendor_cookie_alone_needs_an_empty_page_or_a_refusal() -> None:
    cookie = ("datadome=4x9k; Path=/",)
    short = html("Committee findings", LOREM * 2)  # a short page of its own: content, not a wall
    assert classify_response(200, HTML, URL, page=read_page(short), cookies=cookie) == LinkStatus.OK
    assert classify_response(200, HTML, URL, page=read_page(b"<html><body></body></html>"),
                             cookies=cookie) == LinkStatus.BLOCKED
    assert wall_reason(None, {}, cookie, 403) == "bot wall: DataDome (HTTP 403)"


def test_markers_are_read_from_the_document_not_from_comments() -> None:
    commented = b"<html><body><!-- window._cf_chl_opt={} px-captcha --><p>Short note.</p></body></html>"
    assert classify(commented) == LinkStatus.OK
    scripted = b"<html><body><script>window._cf_chl_opt={}</script><p>Short note.</p></body></html>"
    assert classify(scripted) == LinkStatus.BLOCKED


def test_challenge_wording_inside_an_attribute_is_not_visible_text() -> None:
    body = html("Notes", LOREM * 2).replace(b"<p>", b"<p title='Attention Required! | Cloudflare'>", 1)
    assert classify(body) == LinkStatus.OK


LD_SHELL = (b"<html><head><title>Bridge</title><script type='application/ld+json'>{\"@type\": \"NewsArticle\", "
            b"\"articleBody\": \"The minister said the bridge would not reopen before the spring.\"}</script></head>"
            b"<body><div id='root'></div><script src='/app.js'></script></body></html>")


def test_a_script_shell_whose_structured_data_carries_the_article_has_text() -> None:
    assert classify(LD_SHELL) == LinkStatus.OK
    without = LD_SHELL.replace(b"articleBody", b"description")
    assert classify(without) == LinkStatus.NO_TEXT  # the control: an empty shell stays no_text


def test_a_vendor_cookie_on_a_shell_that_carries_its_article_is_no_wall() -> None:
    cookie = ("datadome=4x9k; Path=/",)
    assert classify_response(200, HTML, URL, page=read_page(LD_SHELL), cookies=cookie) == LinkStatus.OK
    empty = read_page(b"<html><body><div id='root'></div></body></html>")
    assert classify_response(200, HTML, URL, page=empty, cookies=cookie) == LinkStatus.BLOCKED


PARKED_SEDO = (b"<html><head><title>harbour-news.example</title><script src='https://img.sedoparking.com/js/p.js'>"
               b"</script></head><body><h1>harbour-news.example</h1><p>This domain may be for sale!</p>"
               b"<h2>Related Searches</h2><ul>" + b"".join(b"<li><a href='/s?q=%d'>Cheap flights %d</a></li>" % (i, i)
                                                         for i in range(40)) + b"</ul></body></html>")
PARKED_AFTERNIC = html("harbour-news.example", "Buy now for $2,995, or make an offer on this domain. "
                       + "Secure checkout. Fast transfer. " * 20, h1="This domain is for sale!")
SUSPENDED = html("Account Suspended", "This Account has been suspended. Contact your hosting provider for more "
                 "information.", h1="Account Suspended")
REMOVED = html("Story removed | The Courier", "This article has been removed at the request of its author.",
               h1="This article has been removed")
BIG_404 = html("404 - Page not found | The Courier", ("Read these instead: " + LOREM) * 40,
               h1="Sorry, we couldn't find that page")
SIGN_IN = html("Sign in to continue", "Email address Password Forgot your password? Create an account",
               h1="Sign in to continue reading")


@pytest.mark.parametrize("body", [PARKED_SEDO, PARKED_AFTERNIC, SUSPENDED, REMOVED, BIG_404],
                         ids=["parked-sedo", "parked-afternic", "suspended", "removed", "big-404"])
def test_pages_a_gone_site_or_story_leaves_are_soft_404s(body: bytes) -> None:
    assert classify(body) == LinkStatus.SOFT_404


@pytest.mark.parametrize(("title", "body", "h1"), [
    ("Twitter account suspended after threats", LOREM * 3, "Twitter account suspended after threats"),
    ("Domain names sell for millions", "The broker said this domain may be for sale next year, " + LOREM * 12,
     "Domain names sell for millions"),
    ("404 Page Not Found errors, explained", LOREM * 45, "How the web forgets its pages"),
    ("Statue has been removed", "The statue has been removed from the square. " + LOREM, "Statue removed"),
    ("How to sign in to your bank safely", LOREM * 4, "How to sign in safely"),
])
def test_news_about_those_words_stays_ok(title: str, body: str, h1: str) -> None:
    assert classify(html(title, body, h1=h1)) == LinkStatus.OK


def test_a_sign_in_page_at_the_cited_url_is_blocked() -> None:
    assert classify(SIGN_IN) == LinkStatus.BLOCKED


@pytest.mark.parametrize("final", ["https://news.example/search?q=committee+findings",
                                   "https://news.example/search/", "https://news.example/?s=committee"])
def test_a_deep_link_sent_to_search_results_is_a_soft_404(final: str) -> None:
    assert classify(html("Search results", LOREM * 3), final=final, redirects=(final,)) == LinkStatus.SOFT_404


@pytest.mark.parametrize("final", ["https://consent.yahoo.com/v2/collectConsent?sessionId=3_cc-session",
                                   "https://news.example/consent/collectConsent?sessionId=1"])
def test_a_redirect_to_a_cookie_consent_gate_is_blocked(final: str) -> None:
    wall = html("Before you continue", "We value your privacy. Accept all. Reject all. Manage privacy settings.")
    assert classify(wall, final=final, redirects=(final,)) == LinkStatus.BLOCKED

"""Turn one final HTTP answer into a LinkStatus.

Pure functions, no I/O: the fetcher hands over what it saw (status code, headers,
the URL cited, where redirects ended, the chain, and the page read with lxml) and
gets one status back. Every rule is general (wording, markers, URL shapes); nothing
here knows about particular test pages.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from verifier.core.decoding import decode_html, decode_text
from verifier.core.statuses import LinkStatus

PAGE_SCAN_BYTES = 200_000  # the part of a page read for title and visible text

# ------------------------------------------------------------------ reading a page


@dataclass
class Page:
    """What the classifier looks at in an HTML (or text) page."""

    title: str = ""
    headings: list[str] = field(default_factory=list)  # h1/h2 texts, in order
    text: str = ""  # visible text: no script, style, noscript, template
    markup: str = ""  # the decoded markup, lower-cased (markers in scripts and attributes)
    complete: bool = True  # False when only a prefix of a longer body was read
    _words: int | None = field(default=None, repr=False, compare=False)

    @property
    def words(self) -> int:
        if self._words is None:
            self._words = len(self.text.split())
        return self._words


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")


def _clean(s: str) -> str:
    return " ".join(s.split())


# lxml.etree's own HTML parser: the same tree as lxml.html's, without its Python element-class
# lookup on every element touched (which cost more than the parse itself). XPath string() is
# what lxml.html's text_content() runs.
_HTML_PARSER = lxml.etree.HTMLParser()
_STRING_OF = lxml.etree.XPath("string()")


def read_page(body: bytes, content_type: str | None = None) -> Page:
    """Title, headings and visible text of the first PAGE_SCAN_BYTES of an HTML page."""
    raw = body[:PAGE_SCAN_BYTES]
    src = _XML_DECL.sub("", decode_html(raw, content_type))
    page = Page(markup=src.lower(), complete=len(body) <= PAGE_SCAN_BYTES)
    if not src.strip():
        return page
    try:
        doc = lxml.etree.fromstring(src, _HTML_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return page
    if doc is None:  # nothing but a doctype or comments
        return page
    title = doc.find(".//title")
    if title is not None:
        page.title = _clean(_STRING_OF(title))
    page.headings = [_clean(_STRING_OF(h)) for h in doc.iter("h1", "h2")][:5]
    lxml.etree.strip_elements(doc, *_INVISIBLE, with_tail=False)
    page.text = _clean(" ".join(doc.itertext()))  # text nodes joined apart: adjacent blocks stay separate words
    return page


def text_page(body: bytes, content_type: str | None = None) -> Page:
    """A plain-text document as a Page (no title)."""
    text = decode_text(body[:PAGE_SCAN_BYTES], content_type)  # the extractor's decoders: one charset policy
    return Page(text=_clean(text), markup="")


# ------------------------------------------------------------------ content types

_TEXTUAL = re.compile(
    r"^(text/|application/(xhtml\+xml|xml|.*\+xml|json|.*\+json|javascript|pdf|rtf|x-tex|"
    r"msword|vnd\.openxmlformats-officedocument\.wordprocessingml|vnd\.oasis\.opendocument\.text|epub\+zip))"
)


def mime_of(content_type: str | None) -> str:
    """The bare, lower-cased MIME type of a Content-Type value ('' when missing)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_textual(content_type: str | None) -> bool:
    """True for types we can take text from (HTML, plain text, XML, JSON, PDF, documents)."""
    return bool(_TEXTUAL.match(mime_of(content_type)))


def is_html(content_type: str | None) -> bool:
    return mime_of(content_type) in ("text/html", "application/xhtml+xml")


# ------------------------------------------------------------------ wording


def _norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).lower()
    return re.sub(r"\s+", " ", s.replace("’", "'").replace("‘", "'")).strip()


# Error-page phrasings, in several languages. Judged on titles, headings and short pages only.
_NOT_FOUND_PHRASES = [
    # English
    r"page not found", r"not found", r"could ?n[o']t be found", r"can ?n[o']t be found", r"cannot be found",
    r"could ?n[o']t find (?:the|that|this) page", r"can't find (?:the|that|this) page", r"no longer available",
    r"(?:does ?n[o']t|does not|no longer) exists?", r"page (?:you (?:requested|were looking for|are looking for)|"
    r"is missing|has been (?:removed|deleted|moved))", r"nothing (?:was )?found", r"page (?:is )?unavailable",
    r"this page isn't available", r"content (?:is )?(?:no longer|not) available", r"we can't find",
    r"broken link", r"dead link",
    # German
    r"seite nicht gefunden", r"nicht gefunden", r"existiert nicht", r"nicht mehr verfügbar",
    r"seite (?:wurde )?nicht gefunden", r"fehlerseite",
    # Spanish
    r"p[aá]gina no encontrada", r"no se (?:ha )?encontr[oó]", r"no encontrad[ao]", r"ya no est[aá] disponible",
    r"la p[aá]gina no existe",
    # French
    r"page introuvable", r"page non trouv[ée]e", r"introuvable", r"n'existe (?:pas|plus)", r"n'est plus disponible",
    # Italian
    r"pagina non trovata", r"non trovata", r"non esiste", r"non [eè] pi[uù] disponibile",
    # Portuguese
    r"p[aá]gina n[aã]o encontrada", r"n[aã]o encontrad[ao]", r"n[aã]o existe",
    # Dutch, Swedish, Danish, Norwegian, Polish, Czech, Turkish
    r"pagina niet gevonden", r"niet gevonden", r"bestaat niet", r"sidan (?:kunde inte hittas|hittades inte)",
    r"siden (?:blev )?ikke fundet", r"siden finnes ikke", r"nie znaleziono", r"strona nie (?:istnieje|została znaleziona)",
    r"stránka nenalezena", r"stránka nebyla nalezena", r"sayfa bulunamad[ıi]",
    # Russian, Ukrainian
    r"страница не найдена", r"не найден[аоы]?", r"не существует", r"больше не доступн[аоы]", r"сторінку не знайдено",
    r"сторінка не знайдена",
    # Greek, Arabic, Hebrew
    r"η σελίδα δεν βρέθηκε", r"الصفحة غير موجودة", r"لم يتم العثور", r"הדף לא נמצא",
    # Japanese, Chinese, Korean
    r"ページが見つかりません", r"見つかりません", r"页面不存在", r"页面未找到", r"找不到(?:该|此|您要的)?页面",
    r"頁面不存在", r"找不到網頁", r"페이지를 찾을 수 없습니다",
]
_NOT_FOUND = re.compile("|".join(f"(?:{p})" for p in _NOT_FOUND_PHRASES))
_HTTP_404 = re.compile(
    r"^\W*(?:error|erreur|fehler|errore|error código)?\W*404\b|\b404\W*(?:error|erreur|fehler|errore|not|page|seite|"
    r"página|pagina|-|–|—|\||:)|\b(?:error|erreur|fehler|errore|http)\W*404\b"
)

# A page we reach in place of the one cited: the article text is not there.
SOFT_404_MAX_WORDS = 1000  # an error title on a page longer than this is an article about errors
SHORT_PAGE_WORDS = 150  # a page this short is judged on its body text as well


_NEGATIVE = "|".join(f"(?:{p})" for p in _NOT_FOUND_PHRASES)
_SUBJECT = (
    r"(?:page|article|content|file|document|resource|story|url|link|post|item|seite|artikel|inhalt|"
    r"p[aá]gina|art[ií]culo|contenido|articolo|страниц[аы]|стать[яи]|сторінк\w*|sayfa|strona|stránka|"
    r"sidan|siden|ページ|页面|頁面|網頁|페이지)"
)
# On a title or heading only what clearly names an error page counts: "Missing hiker not found" is news.
_STRICT_NOT_FOUND = re.compile(
    rf"{_SUBJECT}\W*(?:\w+\W+){{0,6}}?(?:{_NEGATIVE})|(?:{_NEGATIVE})\W*(?:\w+\W+){{0,2}}?{_SUBJECT}|"
    r"^\W*(?:error\W*)?(?:not found|nicht gefunden|no encontrad[ao]|introuvable|non trovat[ao]|не найден[аоы]?|"
    r"niet gevonden|n[aã]o encontrad[ao]|nie znaleziono|bulunamad[ıi])\b|"
    r"(?:could ?n[o']t|can ?n[o']t|cannot|unable to) (?:find|locate) (?:the|that|this|your|any) page|"
    r"page (?:you (?:requested|were looking for|are looking for)|is missing|has been (?:removed|deleted))|"
    r"page introuvable|ページが見つかりません|页面不存在|页面未找到|找不到網頁|^\W*(?:oops|whoops|hoppla)\b"
)


def says_not_found(s: str, *, strict: bool = False) -> bool:
    """True when a text reads like an error page; `strict` for titles and headings of longer pages."""
    n = _norm(s)
    if not n:
        return False
    if _HTTP_404.search(n):
        return True
    return bool((_STRICT_NOT_FOUND if strict else _NOT_FOUND).search(n))


def is_soft_404_page(page: Page) -> bool:
    """An error page served with a success code, judged on its title/heading, or its text if short."""
    if page.words > SOFT_404_MAX_WORDS:
        return False
    short = page.words <= SHORT_PAGE_WORDS
    heads = [page.title, *page.headings[:2]]
    if any(says_not_found(h, strict=not short) for h in heads):
        return True
    return short and says_not_found(page.text)


# Bot walls: interstitial challenges. Strong markers count on any page.
_CHALLENGE_TITLES = re.compile(
    r"^(?:just a moment|attention required|one more step|please wait|checking your browser|"
    r"security check|access denied|are you a (?:robot|human)|verify(?:ing)? you are (?:a )?human|"
    r"human verification|bot verification|pardon our interruption|ddos-guard|request blocked|"
    r"you have been blocked|robot or human|captcha)",
)
_CHALLENGE_STRONG = re.compile(
    r"cf-chl|cf_chl_opt|/cdn-cgi/challenge-platform|cf-turnstile|challenges\.cloudflare\.com|"
    r"_incapsula_resource|incapsula incident id|px-captcha|perimeterx|captcha-delivery\.com|"
    r"geo\.captcha-delivery|datadome|_abck|ak_bmsc|/_sec/cp_challenge|sec-if-cpt|"
    r"checking your browser|checking if the site connection is secure|"
    r"enable javascript and cookies to continue|verify you are (?:a )?human|are you a robot|"
    r"press (?:&amp; |and |& )?hold|ddos protection by|why have i been blocked|"
    r"request unsuccessful\. incapsula"
)
_CHALLENGE_WEAK = re.compile(
    r"captcha|recaptcha|hcaptcha|g-recaptcha|access denied|you don't have permission to access|"
    r"reference #\s*[0-9a-f]+\.|unusual traffic|automated (?:queries|requests|access)|bot detection|"
    r"has been blocked|blocked by"
)
# Literal fragments of which every marker above contains at least one: a cheap `in` test
# that spares the regex scan on the (vast) majority of pages that carry none of them.
_STRONG_HINTS = ("cf-chl", "cf_chl", "challenge", "cf-turnstile", "incapsula", "px-captcha", "perimeterx",
                 "captcha-delivery", "datadome", "_abck", "ak_bmsc", "sec-if-cpt", "checking ", "enable javascript",
                 "verify you are", "are you a robot", "hold", "ddos protection", "why have i been blocked")
_WEAK_HINTS = ("captcha", "access denied", "permission to access", "reference #", "unusual traffic", "automated ",
               "bot detection", "blocked")


def _has_strong_marker(markup: str) -> bool:
    return any(h in markup for h in _STRONG_HINTS) and bool(_CHALLENGE_STRONG.search(markup))


def _has_weak_marker(markup: str) -> bool:
    return any(h in markup for h in _WEAK_HINTS) and bool(_CHALLENGE_WEAK.search(markup))


CHALLENGE_MAX_WORDS = 300  # interstitials say little; a page longer than this is content
_CHALLENGE_HEADERS = (("cf-mitigated", "challenge"), ("x-datadome", ""), ("x-px-block", ""))


def is_challenge_page(page: Page | None, headers: Mapping[str, str] | None = None) -> bool:
    """A bot-challenge, captcha or WAF block page (Cloudflare, Akamai, PerimeterX, DataDome, Imperva…)."""
    h = {k.lower(): v.lower() for k, v in (headers or {}).items()}
    for name, value in _CHALLENGE_HEADERS:
        if name in h and value in h[name]:
            return True
    if page is None:
        return False
    if page.words > CHALLENGE_MAX_WORDS:  # long article pages may well mention captchas or "access denied"
        return False
    if page.title and _CHALLENGE_TITLES.match(_norm(page.title)):
        return True
    if _has_strong_marker(page.markup):  # markup holds the visible text too, lower-cased
        return True
    return page.words <= SHORT_PAGE_WORDS and _has_weak_marker(page.markup)


_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:login|log-in|signin|sign-in|sign_in|logon|auth|authenticate|sso|oauth2?|account/login|"
    r"users?/login|session/new|subscribe|subscription|paywall|register|registration|join)(?:[/.?]|$)",
    re.I,
)
_LOGIN_WORDS = re.compile(
    r"\b(?:sign in|log in|login|subscribe to (?:continue|read)|subscribers? only|"
    r"create (?:a free |an )?account to (?:continue|read)|this (?:article|content) is for subscribers|"
    r"already a subscriber|anmelden|se connecter|iniciar sesión|abonnieren|abonnez-vous|suscríbete|"
    r"войти|вход)\b"
)


def is_login_or_paywall(final_url: str, page: Page | None) -> bool:
    """A redirect that ended on a login, registration or subscription page."""
    path = urlsplit(final_url).path
    if _LOGIN_PATH.search(path):
        return True
    if page is None or page.words > 400:
        return False
    head = " ".join([page.title, *page.headings[:2]])
    return bool(_LOGIN_WORDS.search(_norm(head)))


# ------------------------------------------------------------------ URL shapes

_LANGS = (
    "en|de|fr|es|it|pt|nl|ru|pl|sv|da|no|nb|fi|ja|zh|ko|ar|tr|cs|el|he|hu|ro|uk|id|hi|bg|hr|sk|sl|sr|"
    "et|lv|lt|ca|eu|gl|fa|th|vi|ms"
)
_HOME_PATH = re.compile(
    rf"^/?(?:(?:index|default|home|start)(?:\.\w+)?|(?:{_LANGS})(?:[-_][a-z]{{2}})?/?(?:index\.\w+)?)?$", re.I
)
_ERROR_PATH = re.compile(
    r"(?:^|[/_.-])(?:404|410|error|errors|not[-_]?found|page[-_]?not[-_]?found|notfound|pagenotfound|"
    r"missing|gone|erreur|fehler|error404|404error)(?:[/_.-]|$)",
    re.I,
)
_ERROR_QUERY = re.compile(r"(?:^|&)(?:error|err|status|code)=(?:404|410|not[-_]?found)\b", re.I)


def is_home_url(url: str) -> bool:
    """The root of a site (also /index.html, /home, or a bare language root like /en/)."""
    parts = urlsplit(url)
    return bool(_HOME_PATH.match(parts.path)) and not parts.query


def is_error_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_ERROR_PATH.search(parts.path) or _ERROR_QUERY.search(parts.query))


def redirected_to_home_or_error(url: str, final_url: str | None) -> bool:
    """A deep link redirected to the site's home page or to an error path: the page is gone."""
    if not final_url or final_url == url:
        return False
    if is_home_url(final_url) and not is_home_url(url):
        return True
    return is_error_url(final_url) and not is_error_url(url)


# ------------------------------------------------------------------ the classifier

NOT_FOUND_CODES = frozenset({404, 410})
BLOCKED_CODES = frozenset({401, 403, 407, 451, 429, 999})  # 999: LinkedIn's refusal of bots


def classify_response(
    status_code: int,
    headers: Mapping[str, str] | None,
    url: str,
    final_url: str | None = None,
    redirects: Sequence[str] = (),
    page: Page | None = None,
    *,
    content_type: str | None = None,
) -> LinkStatus:
    """The link status of the final answer (after redirects and retries).

    `page` is the title/visible text of an HTML or text body (None for other types);
    `content_type` the effective (sniffed) type, defaulting to the header's.
    """
    headers = headers or {}
    ctype = content_type if content_type is not None else _header(headers, "content-type")
    final = final_url or url

    if status_code == 304:
        return LinkStatus.OK
    if status_code in NOT_FOUND_CODES:
        return LinkStatus.NOT_FOUND
    if is_challenge_page(page, headers):
        return LinkStatus.BLOCKED
    if status_code in BLOCKED_CODES:
        return LinkStatus.BLOCKED
    if status_code >= 500:
        return LinkStatus.SERVER_ERROR
    if status_code >= 400:
        return LinkStatus.NOT_FOUND  # 400, 405, 414… the cited address does not lead to a page
    if status_code >= 300:
        return LinkStatus.UNREACHABLE  # a redirect without a usable Location
    if status_code < 200:
        return LinkStatus.UNREACHABLE

    # 2xx
    if redirects and is_login_or_paywall(final, page):
        return LinkStatus.BLOCKED
    if redirects and redirected_to_home_or_error(url, final):
        return LinkStatus.SOFT_404
    if status_code == 204 or not is_textual(ctype):
        return LinkStatus.NO_TEXT
    if page is not None:
        if is_soft_404_page(page):
            return LinkStatus.SOFT_404
        # a long page whose first part is all scripts may still have text further on: extraction decides
        if page.complete and (not page.text.strip() or _is_script_shell(page)):
            return LinkStatus.NO_TEXT
    return LinkStatus.OK


_JS_NOTICE = re.compile(r"(?:enable|turn on|requires?) javascript|javascript (?:is )?(?:required|disabled)|loading")


def _is_script_shell(page: Page) -> bool:
    """A client-rendered page: nothing to read but a 'please enable JavaScript'/'Loading…' line."""
    return page.words <= 12 and bool(_JS_NOTICE.search(_norm(page.text)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None

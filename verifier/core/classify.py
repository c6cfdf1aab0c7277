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
from verifier.core.extract import ld_json_texts
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
    #: lower-cased markers of the parsed document: script sources and inline scripts, frame
    #: sources, form actions, noscript text, ids and classes (bot-wall evidence)
    signals: str = field(default="", compare=False)
    #: the page's structured data (JSON-LD) carries the article's text (`articleBody`): a page whose
    #: visible body is empty or a script shell still has text to read (core.extract reads it)
    published: bool = False
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
    page.signals = _signals_of(doc)
    page.published = _has_article_body(doc)
    lxml.etree.strip_elements(doc, *_INVISIBLE, with_tail=False)
    page.text = _clean(" ".join(doc.itertext()))  # text nodes joined apart: adjacent blocks stay separate words
    return page


_SIGNALS = lxml.etree.XPath("//script/@src | //iframe/@src | //form/@action | //@id | //@class | //@data-sitekey"
                             " | //meta[@http-equiv]/@content | //script[not(@src)]/text() | //noscript//text()")
SIGNAL_CHARS = 4_000  # of one inline script: markers sit in the first lines


def _has_article_body(doc: lxml.etree._Element) -> bool:
    """A JSON-LD script of the document that carries an `articleBody` (core.extract reads it)."""
    return any('"articlebody"' in t.lower() for t in ld_json_texts(doc))


def _signals_of(doc: lxml.etree._Element) -> str:
    """The document's markers, lower-cased, one per line (attribute values and script text)."""
    found = _SIGNALS(doc)
    return "\n".join(str(x)[:SIGNAL_CHARS] for x in found if isinstance(x, str)).lower()


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
    r"(?:article|story|post|video|content) (?:you (?:requested|are looking for) )?(?:has|have|was) been "
    r"(?:removed|deleted|taken down|unpublished)",
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
    """An error page served with a success code, judged on its title/heading, or its text if short;
    a long one (a 404 page followed by a long list of stories to read instead) when both its title
    and its first heading say so; or the page a lapsed site left (gone_site)."""
    if gone_site(page) is not None:
        return True
    if page.words > SOFT_404_MAX_WORDS:
        return bool(page.headings) and says_not_found(page.title, strict=True) \
            and says_not_found(page.headings[0], strict=True)
    short = page.words <= SHORT_PAGE_WORDS
    heads = [page.title, *page.headings[:2]]
    if any(says_not_found(h, strict=not short) for h in heads):
        return True
    return short and says_not_found(page.text)


# Where a site used to be: a registrar's parking page ("This domain may be for sale", a list of
# related searches) or a host's notice that the account is suspended. Both stand at the cited URL
# with status 200; the article is gone with the site. The parking wording is a registrar's own and
# is looked for in the whole text of a page of ordinary length; the suspension notice only as the
# page's title or heading, or on a short page ("Twitter account suspended" is a headline).
_PARKED = re.compile(
    r"this domain (?:name )?(?:may be|is|might be) (?:for sale|available)|buy this domain|"
    r"(?:this|the) domain (?:name )?(?:\S+ )?(?:is|has been) parked|parked (?:free,? )?(?:courtesy of|by) |"
    r"this domain (?:name )?has expired|inquire about (?:buying )?this domain|make an offer on this domain|"
    r"the (?:owner of this domain|domain owner) (?:is|may be) (?:willing|open) to sell|domain parking page")
_SUSPENDED = re.compile(
    r"^(?:account|web ?site|site|hosting account) (?:has been )?suspended$|this (?:hosting )?account has been "
    r"suspended|this (?:web ?site|site) (?:has been|is) (?:temporarily )?(?:suspended|disabled)|"
    r"bandwidth limit exceeded|contact your hosting provider")


#: a parking service's own scripts, frames or forms (the page need not say so in a heading)
_PARKING_VENDORS = ("sedoparking", "sedo.com", "afternic", "bodis.com", "parkingcrew", "dan.com", "above.com",
                    "hugedomains", "parklogic", "domainmarket", "undeveloped.com", "parked.com")
_BARE_DOMAIN = re.compile(r"^(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


def gone_site(page: Page) -> str | None:
    """'a parked domain' or 'a suspended hosting account' when the page is what a lapsed site
    leaves at its address, else None. The parking wording counts in a title or heading, or in the
    text of a page titled with its bare domain name or carrying a parking service's markers (an
    article may say "this domain may be for sale")."""
    if page.words > SOFT_404_MAX_WORDS:
        return None
    heads = [_norm(h) for h in (page.title, *page.headings[:3]) if h.strip()]
    parking = bool(_BARE_DOMAIN.match(_norm(page.title))) or any(v in page.signals for v in _PARKING_VENDORS)
    if any(_PARKED.search(h) for h in heads) or (parking and _PARKED.search(_norm(page.text))):
        return "a parked domain (the page offers the domain for sale)"
    if any(_SUSPENDED.search(h) for h in heads) or (page.words <= SHORT_PAGE_WORDS
                                                     and _SUSPENDED.search(_norm(page.text))):
        return "a suspended hosting account"
    return None


# Bot walls. The evidence comes in three strengths, looked at on the parsed document (visible
# text for wording; script sources, inline scripts, frames, forms, ids and classes for markers)
# and on the response's headers and cookies:
# - decisive: a header the vendor sends only on a block (`cf-mitigated: challenge`, AWS WAF's
#   `x-amzn-waf-action`), a challenge marker (Cloudflare's `_cf_chl_opt`, DataDome's
#   captcha-delivery.com, PerimeterX's px-captcha…) or a block page's wording, on a page that is
#   not long;
# - presence: the vendor's cookies, headers or sensor scripts, which ordinary pages of the same
#   site carry too: a block only when the page has nothing to read (empty, a script, a widget)
#   or the status refuses;
# - a CAPTCHA widget (reCAPTCHA, hCaptcha, Turnstile, Arkose, GeeTest…): a wall only when the page is
#   little else;
# - the address the redirects ended on: a vendor's challenge endpoint (Radware's validate.perfdrive.com,
#   SiteGround's /.well-known/sgcaptcha/, Google's /sorry/…) is a wall whatever it serves.
# An article that mentions a CAPTCHA or says "access denied" in a sentence is content.


@dataclass(frozen=True)
class _Vendor:
    name: str
    decisive_headers: tuple[tuple[str, str], ...] = ()  # (header, value fragment; "" = any value)
    headers: tuple[tuple[str, str], ...] = ()  # presence; a name ending in "*" is a prefix
    served_by: tuple[tuple[str, str], ...] = ()  # on every answer of the vendor's CDN: names a refusal only
    cookies: tuple[str, ...] = ()  # cookie-name prefixes (presence)
    marks: tuple[str, ...] = ()  # challenge markers in the document's signals
    sensors: tuple[str, ...] = ()  # presence markers in the signals (scripts every page carries)
    wording: str = ""  # a block page's own words (visible text, title, headings)
    hosts: tuple[str, ...] = ()  # challenge hosts (the final address's host or a parent domain)
    paths: tuple[str, ...] = ()  # challenge paths: "/path" on any host, "host/path" on that domain only


_VENDORS = (
    _Vendor("Cloudflare", decisive_headers=(("cf-mitigated", "challenge"),),
            served_by=(("server", "cloudflare"), ("cf-ray", "")), cookies=("__cf_bm", "cf_clearance", "cf_chl"),
            marks=("_cf_chl_opt", "cf_chl_", "cf-chl-", "/cdn-cgi/challenge-platform/h/", "chl_page"),
            sensors=("/cdn-cgi/challenge-platform/",),
            wording=r"^attention required!? \| cloudflare|checking if the site connection is secure|"
                    r"sorry, you have been blocked|why have i been blocked\?|"
                    r"verify you are human by completing the action below|performing security verification|"
                    r"needs to review the security of your connection before proceeding|"
                    r"uses a security service to protect against malicious bots",
            paths=("/cdn-cgi/challenge-platform/",)),
    _Vendor("Vercel", decisive_headers=(("x-vercel-mitigated", "challenge"), ("x-vercel-mitigated", "deny")),
            wording=r"^vercel security checkpoint|we'?re verifying your browser"),
    _Vendor("Akamai", headers=(("akamai-grn", ""), ("x-akamai-*", "")), served_by=(("server", "akamaighost"),),
            cookies=("_abck", "ak_bmsc", "bm_sz", "bm_sv", "bm_mi"),
            marks=("/_sec/cp_challenge", "sec-if-cpt", "sec-cpt-if", "ak-challenge"),
            wording=r"reference #\s*\d{1,3}\.[0-9a-f]+\.\d+\.[0-9a-f]+|errors\.edgesuite\.net"),
    _Vendor("DataDome", headers=(("x-datadome", ""), ("x-datadome-cid", ""), ("x-dd-b", "")),
            cookies=("datadome",), marks=("captcha-delivery.com", "var dd={", "var dd ={"),
            sensors=("js.datadome.co", "datadome.co/tags.js")),
    _Vendor("PerimeterX/HUMAN", decisive_headers=(("x-px-block", ""),), headers=(("x-px-*", ""),),
            cookies=("_px", "pxcts", "_pxhd", "_pxvid"),
            marks=("px-captcha", "captcha.px-cdn.net", "captcha.px-cloud.net", "_pxcaptcha"),
            sensors=("client.perimeterx.net", "/_px/", "_pxappid", "px-cdn.net", "px-cloud.net"),
            wording=r"^access to this page has been denied|press (?:&|and) hold to confirm you are a human"),
    _Vendor("Imperva/Incapsula", headers=(("x-iinfo", ""), ("x-cdn", "imperva"), ("x-cdn", "incapsula")),
            cookies=("incap_ses_", "visid_incap_", "nlbi_", "reese84"),
            sensors=("_incapsula_resource",),
            wording=r"incapsula incident id|request unsuccessful\. incapsula"),
    _Vendor("AWS WAF", decisive_headers=(("x-amzn-waf-action", ""),), cookies=("aws-waf-token",),
            marks=("awswaf.com", "gokuprops", "awswafintegration")),
    _Vendor("Amazon CloudFront", served_by=(("x-cache", "error from cloudfront"),),
            wording=r"request blocked\. we can'?t connect to the server for this app or website|"
                    r"distribution is configured to block access from your country"),
    _Vendor("F5 BIG-IP", wording=r"the requested url was rejected\. please consult with your administrator"),
    _Vendor("ModSecurity", served_by=(("server", "mod_security"),),
            wording=r"(?:error|request) was generated by mod_?security|mod_?security rules triggered|"
                    r"^not acceptable!? an appropriate representation of the requested resource"),
    _Vendor("Wordfence", wording=r"your access to this site has been limited by the site owner|generated by wordfence|"
                                 r"a potentially unsafe operation has been detected in your request to this site"),
    _Vendor("SiteGround", marks=("/.well-known/sgcaptcha", "sgcaptcha"), paths=("/.well-known/sgcaptcha",)),
    _Vendor("Radware Bot Manager", marks=("validate.perfdrive.com", "shieldsquare captcha"),
            sensors=("perfdrive.com", "shieldsquare"), hosts=("perfdrive.com",),
            wording=r"radware bot manager|shieldsquare captcha"),
    _Vendor("Reblaze", served_by=(("server", "reblaze"),), cookies=("rbzid", "rbzsessionid")),
    _Vendor("Alibaba Cloud", marks=("_____tmd_____/punish", "x5secdata"), paths=("/_____tmd_____/punish",)),
    _Vendor("Yandex SmartCaptcha", marks=("smartcaptcha",), paths=("/showcaptcha", "/checkcaptcha")),
    _Vendor("Kasada", headers=(("x-kpsdk-*", ""),), marks=("kpsdk", "/ips.js"),),
    _Vendor("Anubis", cookies=("within.website-x-cmd-anubis",),
            marks=("anubis_challenge", "anubis_version", "/.within.website/"),
            wording=r"making sure you'?re not a bot|protected by anubis"),
    _Vendor("proof-of-work wall", marks=("mcaptcha", "go-away-challenge", "pow-challenge"),
            wording=r"(?:computing|calculating|solving) (?:a )?proof[- ]of[- ]work|proof[- ]of[- ]work challenge to"),
    _Vendor("DDoS-Guard", served_by=(("server", "ddos-guard"),), cookies=("__ddg",),
            wording=r"^ddos-guard|ddos protection by ddos-guard"),
    _Vendor("Sucuri", served_by=(("server", "sucuri"), ("x-sucuri-*", "")),
            wording=r"sucuri website firewall"),
    _Vendor("LinkedIn", wording=r"^linkedin: log in or sign up|join linkedin to see"),
    _Vendor("Reddit", wording=r"blocked by network security|whoa there,? pardner"),
    _Vendor("Amazon", wording=r"^robot check|to discuss automated access to amazon data"),
    _Vendor("Google", wording=r"our systems have detected unusual traffic from your computer network",
            paths=("google.com/sorry/",)),
    _Vendor("Facebook", wording=r"you'?(?:re|ve been) temporarily blocked|"
                                r"you were misusing this feature by going too fast|"
                                r"^log (?:in|into|in to) facebook|^facebook [-–] log in or sign up|"
                                r"you must log in to continue"),
    _Vendor("Instagram", wording=r"^login [•·] instagram|^instagram login"),
    _Vendor("X (Twitter)", wording=r"this request looks like it might be automated|^log in to x\b|^sign in to x\b"),
)
_WORDING = [(v, re.compile(v.wording)) for v in _VENDORS if v.wording]
_WIDGETS = (("reCAPTCHA", ("g-recaptcha", "google.com/recaptcha", "recaptcha/api.js", "grecaptcha")),
            ("hCaptcha", ("h-captcha", "hcaptcha.com")),
            ("Turnstile", ("cf-turnstile", "challenges.cloudflare.com/turnstile")),
            ("Arkose Labs", ("arkoselabs.com", "funcaptcha")),
            ("GeeTest", ("static.geetest.com", "geetest_")),
            ("Friendly Captcha", ("frc-captcha", "friendlycaptcha")))

# Wording of a challenge that names no vendor: a title that is nothing else, or (on a page with
# hardly any text) a sentence of the wall.
_CHALLENGE_TITLES = re.compile(
    r"^(?:just a moment|attention required|one more step|please wait|checking your browser|"
    r"security check|access denied|are you (?:not )?a (?:robot|human|bot)|verify(?:ing)? you are (?:a )?human|"
    r"human verification|bot verification|pardon our interruption|request blocked|"
    r"you have been blocked|robot or human|captcha)",
)
_CHALLENGE_WORDS = re.compile(
    r"checking your browser|enable javascript and cookies to continue|verify(?:ing)? (?:that )?you are (?:a )?human|"
    r"are you a robot|press (?:&|and) hold|why have i been blocked|you don't have permission to access|"
    r"unusual traffic|automated (?:queries|requests|access)|complete the security check|access denied|"
    r"captcha|has been blocked|blocked by"
)
CHALLENGE_MAX_WORDS = 300  # interstitials say little; a page longer than this is content
THIN_WORDS = 60  # a page this short has nothing of its own to read beside a wall's widget
EMPTY_WORDS = 15  # a page this short (a script, a line) has nothing to read at all
WALL_HEADER_PREFIXES = ("cf-", "x-datadome", "x-dd-", "x-px", "x-iinfo", "x-cdn", "x-amzn-waf", "x-kpsdk-",
                        "akamai-", "x-akamai-", "x-sucuri-", "x-vercel-mitigated", "x-cache")


def is_wall_header(name: str) -> bool:
    """True for a response header a bot-wall vendor sends (the fetcher keeps these for the classifier)."""
    return name.lower().startswith(WALL_HEADER_PREFIXES)


def cookie_names(set_cookies: Sequence[str]) -> list[str]:
    """The lower-cased names of Set-Cookie values."""
    return [c.split("=", 1)[0].strip().lower() for c in set_cookies if "=" in c]


def _header_matches(h: Mapping[str, str], rules: tuple[tuple[str, str], ...]) -> bool:
    for name, fragment in rules:
        if name.endswith("*"):
            if any(k.startswith(name[:-1]) for k in h):
                return True
        elif name in h and fragment in h[name]:
            return True
    return False


def _is_thin(page: Page) -> bool:
    """Little of its own to read beside a widget."""
    return page.words <= THIN_WORDS


def _page_wording(page: Page) -> str:
    return _norm(" ".join([page.title, *page.headings[:2], page.text]))


def _vendor_of(v: _Vendor, page: Page | None, h: Mapping[str, str], cookies: Sequence[str],
               refused: bool) -> bool:
    """Does this vendor's evidence amount to a wall?"""
    if _header_matches(h, v.decisive_headers):
        return True
    signals = page.signals if page is not None else ""
    if page is not None and page.words <= CHALLENGE_MAX_WORDS and any(m in signals for m in v.marks):
        return True
    present = (_header_matches(h, v.headers) or any(c.startswith(v.cookies) for c in cookies if v.cookies)
               or any(m in signals for m in v.sensors))
    if refused:
        return present or _header_matches(h, v.served_by)
    return present and page is not None and page.words <= EMPTY_WORDS and not page.published


def _wall_at(url: str) -> str | None:
    """The vendor whose challenge endpoint this address is, or None."""
    parts = urlsplit(url.lower())
    host, path = parts.hostname or "", parts.path
    for v in _VENDORS:
        if any(_on_domain(host, d) for d in v.hosts) or any(_at_path(host, path, p) for p in v.paths):
            return v.name
    return None


def _on_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _at_path(host: str, path: str, rule: str) -> bool:
    domain, slash, prefix = rule.partition("/")
    return path.startswith(slash + prefix) and (not domain or _on_domain(host, domain))


def find_wall(page: Page | None, headers: Mapping[str, str] | None = None, cookies: Sequence[str] = (),
              status_code: int = 200, url: str = "") -> str | None:
    """The bot wall a response is, named by its vendor ("" when the vendor is unknown), or None.

    `cookies` are the Set-Cookie values of the response; `url` the address it came from (after
    redirects): a vendor's challenge endpoint is a wall whatever it serves."""
    if url and (at := _wall_at(url)) is not None:
        return at
    h = {k.lower(): v.lower() for k, v in (headers or {}).items()}
    names = cookie_names(cookies)
    refused = status_code in BLOCKED_CODES
    if page is not None and page.words <= CHALLENGE_MAX_WORDS:
        said = _page_wording(page)
        for v, rx in _WORDING:
            if rx.search(said):
                return v.name
    for v in _VENDORS:
        if _vendor_of(v, page, h, names, refused):
            return v.name
    if page is None or page.words > CHALLENGE_MAX_WORDS:
        return None
    if _is_thin(page):
        for name, marks in _WIDGETS:
            if any(m in page.signals for m in marks):
                return name
    if page.title and _CHALLENGE_TITLES.match(_norm(page.title)):
        return ""
    if _is_thin(page) and _CHALLENGE_WORDS.search(_norm(page.text)):
        return ""
    return None


def is_challenge_page(page: Page | None, headers: Mapping[str, str] | None = None, cookies: Sequence[str] = (),
                      status_code: int = 200, url: str = "") -> bool:
    """A bot-challenge, captcha or WAF block page (Cloudflare, Akamai, PerimeterX, DataDome, Imperva…)."""
    return find_wall(page, headers, cookies, status_code, url) is not None


def wall_reason(page: Page | None, headers: Mapping[str, str] | None, cookies: Sequence[str],
                status_code: int, url: str = "") -> str | None:
    """The source's error for a bot wall: the vendor named, or None when the response is no wall."""
    vendor = find_wall(page, headers, cookies, status_code, url)
    if vendor is None and status_code == 999:
        vendor = "LinkedIn" if urlsplit(url).hostname in ("linkedin.com", "www.linkedin.com") else "HTTP 999 wall"
    if vendor is None:
        return None
    return f"bot wall: {vendor} (HTTP {status_code})" if vendor else f"bot challenge page (HTTP {status_code})"


_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:login|log-in|signin|sign-in|sign_in|logon|auth|authenticate|sso|oauth2?|account/login|"
    r"users?/login|session/new|authwall|subscribe|subscription|paywall|register|registration|join)(?:[/.?]|$)",
    re.I,
)
_LOGIN_WORDS = re.compile(
    r"\b(?:sign in|log in|login|subscribe to (?:continue|read)|subscribers? only|"
    r"create (?:a free |an )?account to (?:continue|read)|this (?:article|content) is for subscribers|"
    r"already a subscriber|anmelden|se connecter|iniciar sesión|abonnieren|abonnez-vous|suscríbete|"
    r"войти|вход)\b"
)


#: a cookie-consent gate a site sends readers to before any page (consent.yahoo.com's collectConsent,
#: consent.google.com): the article is behind it
_CONSENT_PATH = re.compile(r"(?:^|/)(?:consent|collectconsent|cookie-?consent|privacy-?gate|cookiewall)(?:[/.?]|$)",
                           re.I)
#: a page that is nothing but a sign-in form, by its title or first heading
_SIGN_IN_PAGE = re.compile(r"^(?:please )?(?:sign|log) ?in(?: to (?:continue|read|view|access|your account)\b.*)?$|"
                           r"^(?:subscribe|sign in|log in) to (?:continue|keep) reading\b")


def is_consent_gate(final_url: str) -> bool:
    """A URL on a cookie-consent gate (its host named consent.…, or a consent path)."""
    parts = urlsplit(final_url)
    return (parts.hostname or "").startswith("consent.") or bool(_CONSENT_PATH.search(parts.path))


def is_sign_in_page(page: Page | None) -> bool:
    """A short page whose title or first heading is a sign-in prompt, at the cited URL itself."""
    if page is None or page.words > SHORT_PAGE_WORDS:
        return False
    return any(_SIGN_IN_PAGE.search(_norm(h)) for h in (page.title, *page.headings[:1]) if h.strip())


def is_login_or_paywall(final_url: str, page: Page | None) -> bool:
    """A redirect that ended on a login, registration, subscription or cookie-consent page."""
    path = urlsplit(final_url).path
    if _LOGIN_PATH.search(path) or is_consent_gate(final_url):
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


_SEARCH_PATH = re.compile(r"(?:^|/)(?:search|suche|recherche|buscar|busca|cerca|zoeken|sok|szukaj)(?:/|\.\w+)?$", re.I)
_SEARCH_QUERY = re.compile(r"(?:^|&)(?:q|s|query|search|keywords?|searchterm)=", re.I)


def is_search_url(url: str) -> bool:
    """A site's search results: /search (or /suche, /recherche…), or the home page asked a query."""
    parts = urlsplit(url)
    if _SEARCH_PATH.search(parts.path):
        return True
    return bool(_HOME_PATH.match(parts.path)) and bool(_SEARCH_QUERY.search(parts.query))


def redirected_to_home_or_error(url: str, final_url: str | None) -> bool:
    """A deep link redirected to the site's home page, its search results or an error path: the
    page is gone (a site that no longer has it searches for its words instead)."""
    if not final_url or final_url == url:
        return False
    if is_home_url(final_url) and not is_home_url(url):
        return True
    if is_search_url(final_url) and not is_search_url(url):
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
    cookies: Sequence[str] = (),
) -> LinkStatus:
    """The link status of the final answer (after redirects and retries).

    `page` is the title/visible text of an HTML or text body (None for other types);
    `content_type` the effective (sniffed) type, defaulting to the header's; `cookies` the
    response's Set-Cookie values (bot-wall evidence).
    """
    headers = headers or {}
    ctype = content_type if content_type is not None else _header(headers, "content-type")
    final = final_url or url

    if status_code == 304:
        return LinkStatus.OK
    if redirects and _wall_at(final) is not None:
        return LinkStatus.BLOCKED  # sent on to a vendor's challenge, whatever that answers
    if status_code in NOT_FOUND_CODES:
        return LinkStatus.NOT_FOUND
    if page is None and not mime_of(ctype):
        page = Page()  # no type and nothing read: an empty body as far as walls are concerned
    if is_challenge_page(page, headers, cookies, status_code):
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
    if (redirects and is_login_or_paywall(final, page)) or is_sign_in_page(page):
        return LinkStatus.BLOCKED
    if redirects and redirected_to_home_or_error(url, final):
        return LinkStatus.SOFT_404
    if status_code == 204 or not is_textual(ctype):
        return LinkStatus.NO_TEXT
    if page is not None:
        if is_soft_404_page(page):
            return LinkStatus.SOFT_404
        # a long page whose first part is all scripts may still have text further on: extraction decides
        if is_shell(page) and not page.published:
            return LinkStatus.NO_TEXT
    return LinkStatus.OK


_JS_NOTICE = re.compile(r"(?:enable|turn on|requires?) javascript|javascript (?:is )?(?:required|disabled)|loading")


def is_shell(page: Page) -> bool:
    """A whole page with nothing visible to read but, at most, a 'please enable JavaScript' line
    (its structured data may still carry the article: `page.published`)."""
    return page.complete and (not page.text.strip() or _is_script_shell(page))


def _is_script_shell(page: Page) -> bool:
    """A client-rendered page: nothing to read but a 'please enable JavaScript'/'Loading…' line."""
    return page.words <= 12 and bool(_JS_NOTICE.search(_norm(page.text)))


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return None

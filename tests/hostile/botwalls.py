"""Bot-wall responses as the vendors serve them, and the ordinary pages that must not look like one.

Written from the vendors' public descriptions of their block and challenge pages (header names,
cookie names, script paths, the wording of the page), not captured from any site. Shared by
tests/unit/test_classify.py, tests/hostile/test_botwalls.py (through a real local server) and
bench/botwall_gate.py, so a change to one fixture is seen by all three.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    name: str
    status: int
    body: bytes
    vendor: str | None  # the vendor the error must name; None for a page that must stay un-walled
    headers: dict[str, str] = field(default_factory=dict)
    cookies: tuple[str, ...] = ()  # Set-Cookie values
    content_type: str = "text/html; charset=utf-8"
    url: str = "https://news.example/2024/05/committee-findings"
    expected: str = "blocked"  # the LinkStatus value
    via: str = ""  # the cited address, when a redirect led from it to `url` (the answer's own address)

    @property
    def cited(self) -> str:
        return self.via or self.url

    @property
    def hops(self) -> list[str]:
        return [self.via, self.url] if self.via else []


PARA = ("<p>The committee published its findings on Tuesday after a year of hearings, and the report was "
        "welcomed by members of every party who had followed the inquiry closely.</p>")


def article(extra_head: str = "", extra_body: str = "", paras: int = 12, title: str = "Committee findings") -> bytes:
    return (f"<html><head><title>{title}</title>{extra_head}</head><body><article><h1>{title}</h1>"
            f"{PARA * paras}{extra_body}</article></body></html>").encode()


CF_OPT = ("<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'news.example',cType: 'managed',"
          "cRay: '8f1e2d3c4b5a6978',cH: 'x1y2z3'};var a=document.createElement('script');"
          "a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8f1e2d3c4b5a6978';"
          "document.getElementsByTagName('head')[0].appendChild(a);}());</script>")
CF_SERVED = {"server": "cloudflare", "cf-ray": "8f1e2d3c4b5a6978-AMS"}

WALLS: list[Shape] = [
    Shape("cloudflare-managed-challenge-403", 403, (
        "<!DOCTYPE html><html lang='en-US'><head><title>Just a moment...</title></head><body>"
        "<div class='main-wrapper' role='main'><div class='main-content'><h1 class='zone-name-title h1'>"
        "news.example</h1><h2 class='h2' id='challenge-running'>Verifying you are human. This may take a few "
        "seconds.</h2><noscript><div class='h2'>Enable JavaScript and cookies to continue</div></noscript>"
        f"</div></div>{CF_OPT}</body></html>").encode(), "Cloudflare",
        headers={**CF_SERVED, "cf-mitigated": "challenge"}),
    Shape("cloudflare-challenge-200-script-only", 200, f"<html><head></head><body>{CF_OPT}</body></html>".encode(),
          "Cloudflare", headers=CF_SERVED),
    Shape("cloudflare-header-only-empty-body", 403, b"", "Cloudflare", headers={**CF_SERVED, "cf-mitigated": "challenge"}),
    Shape("cloudflare-attention-required", 403, (
        b"<html><head><title>Attention Required! | Cloudflare</title></head><body><div id='cf-wrapper'>"
        b"<h1 data-translate='block_headline'>Sorry, you have been blocked</h1><h2>You are unable to access "
        b"news.example</h2><h2 data-translate='blocked_why_headline'>Why have I been blocked?</h2><p>This website "
        b"is using a security service to protect itself from online attacks.</p><p>Cloudflare Ray ID: "
        b"8f1e2d3c4b5a6978</p></div></body></html>"), "Cloudflare", headers=CF_SERVED),
    Shape("akamai-access-denied", 403, (
        b"<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>You don't have permission "
        b"to access \"http&#58;&#47;&#47;news&#46;example&#47;2024&#47;\" on this server.<P>Reference&#32;&#35;18"
        b"&#46;2f1e3b17&#46;1715000000&#46;5c4d9a1b<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;"
        b"2f1e3b17</BODY></HTML>"), "Akamai", headers={"server": "AkamaiGHost"}),
    Shape("akamai-sensor-200-script-only", 200,
          b"<html><head><script type='text/javascript' src='/akam/13/7a2b1c3d'></script></head><body>"
          b"<noscript><img src='/akam/13/pixel_7a2b1c3d?a=dD0x' style='visibility:hidden'></noscript></body></html>",
          "Akamai", cookies=("_abck=0A1B2C~-1~YAAQ~-1~-1; Path=/; Secure", "bm_sz=1F2E3D~YAAQ; Path=/")),
    Shape("akamai-crypto-challenge", 200,
          b"<html><head><title>news.example</title><script src='/_sec/cp_challenge/ak-challenge-4-3.js'></script>"
          b"</head><body><div id='sec-if-cpt-container'><div id='sec-text-container'>Please wait while we check "
          b"your browser</div></div></body></html>", "Akamai", headers={"akamai-grn": "0.2f1e3b17.1715000000.5c4d"}),
    Shape("datadome-captcha-403", 403, (
        b"<html><head><title>news.example</title><style>#cmsg{animation: A 1.5s;}</style></head>"
        b"<body style='margin:0'><p id='cmsg'>Please enable JS and disable any ad blocker</p>"
        b"<script data-cfasync='false'>var dd={'rt':'c','cid':'AHrlqAAAAAMA1x','hsh':'2A3B','t':'fe','s':46743,"
        b"'e':'e3f1','host':'geo.captcha-delivery.com'}</script>"
        b"<script data-cfasync='false' src='https://ct.captcha-delivery.com/c.js'></script></body></html>"),
        "DataDome", headers={"x-datadome": "protected", "x-dd-b": "1"},
        cookies=("datadome=4x9k~AbC; Max-Age=31536000; Domain=.news.example; Path=/; Secure; SameSite=Lax",)),
    Shape("datadome-200-empty", 200, b"", "DataDome", headers={"x-datadome": "protected"},
          cookies=("datadome=4x9k~AbC; Path=/",)),
    Shape("perimeterx-press-and-hold", 403, (
        b"<html lang='en'><head><title>Access to this page has been denied</title>"
        b"<script>window._pxAppId = 'PXab12cd34'; window._pxJsClientSrc = '/ab12cd34/init.js';"
        b"window._pxHostUrl = '/ab12cd34/xhr';</script></head><body><div class='px-captcha-container'>"
        b"<div class='px-captcha-header'>Before we continue...</div><div class='px-captcha-message'>Press &amp; "
        b"Hold to confirm you are a human (and not a bot).</div><div id='px-captcha'></div></div>"
        b"<script src='//captcha.px-cdn.net/PXab12cd34/captcha.js?a=c&m=0'></script>"
        b"<p>Reference ID 1f2e3d4c-0a0b-11ef-9a8b-4f6e7d8c9b0a</p></body></html>"), "PerimeterX/HUMAN"),
    Shape("perimeterx-200-script-only", 200,
          b"<html><head><script>window._pxAppId='PXab12cd34';</script><script src='/ab12cd34/init.js'></script>"
          b"</head><body></body></html>", "PerimeterX/HUMAN", cookies=("_pxhd=ab12:cd34; Path=/",)),
    Shape("incapsula-incident-iframe", 200, (
        b"<html style='height:100%'><head><META NAME='ROBOTS' CONTENT='NOINDEX, NOFOLLOW'>"
        b"<meta name='format-detection' content='telephone=no'></head><body style='margin:0px;height:100%'>"
        b"<iframe id='main-iframe' src='/_Incapsula_Resource?CWUDNSAI=9&xinfo=12-34567890-0%200NNN%20RT' "
        b"frameborder=0 width='100%' height='100%'>Request unsuccessful. Incapsula incident ID: "
        b"123000560123456789-1234567890123</iframe></body></html>"), "Imperva/Incapsula",
        headers={"x-iinfo": "12-34567890-0 0NNN RT(1715000000000 0) q(0 -1 -1 -1) r(0 -1)", "x-cdn": "Imperva"},
        cookies=("visid_incap_2871=aBcD; expires=Tue, 01 Dec 2027 00:00:00 GMT; path=/",
                 "incap_ses_1234_2871=eFgH; path=/")),
    Shape("incapsula-200-script-only", 200,
          b"<html><head><script src='/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4'></script>"
          b"</head><body></body></html>", "Imperva/Incapsula",
          headers={"x-cdn": "Imperva"}, cookies=("incap_ses_1234_2871=eFgH; path=/",)),
    Shape("aws-waf-challenge-202", 202, (
        b"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title></title>"
        b"<script>window.awsWafCookieDomainList = [];window.gokuProps = {'key':'AQIDAHjc','iv':'CgAFpz',"
        b"'context':'Zm9v'};</script><script src='https://3a2b1c.edge.sdk.awswaf.com/3a2b1c/9f8e/challenge.js'>"
        b"</script></head><body><div id='challenge-container'></div><script>AwsWafIntegration.checkForceRefresh()"
        b"</script><noscript><h1>JavaScript is disabled</h1>In order to continue, you need to verify that you're "
        b"not a robot by solving a CAPTCHA puzzle.</noscript></body></html>"), "AWS WAF",
        headers={"x-amzn-waf-action": "challenge"}),
    Shape("aws-waf-captcha-405", 405, b"<html><head><title></title></head><body>"
          b"<div id='captcha-container'></div><script src='https://3a2b1c.edge.sdk.awswaf.com/3a2b1c/9f8e/"
          b"captcha.js'></script></body></html>", "AWS WAF", headers={"x-amzn-waf-action": "captcha"}),
    Shape("kasada-429", 429, (
        b"<html><head></head><body><script>window.KPSDK={};KPSDK.now=typeof performance!=='undefined'&&"
        b"performance.now?performance.now.bind(performance):Date.now.bind(Date);KPSDK.start=KPSDK.now();</script>"
        b"<script src='/149e9513-01fa-4fb0-aad4-566afd725d1b/2d206a39-8ed7-437e-a3be-862e0f06eea3/ips.js?"
        b"tkrm_alpekz_s1.3=0Xv2'></script></body></html>"), "Kasada",
        headers={"x-kpsdk-ct": "0hT5r2Qw", "x-kpsdk-r": "1-AbCdEf"}),
    Shape("kasada-200-headers-only", 200, b"<html><head></head><body></body></html>", "Kasada",
          headers={"x-kpsdk-ct": "0hT5r2Qw", "x-kpsdk-st": "1715000000"}),
    Shape("recaptcha-interstitial", 200,
          b"<html><head><title>news.example</title><script src='https://www.google.com/recaptcha/api.js' async "
          b"defer></script></head><body><form method='post' action='/verify'><p>One more thing before you "
          b"continue.</p><div class='g-recaptcha' data-sitekey='6LcAbCdEAAAAA'></div><button>Continue</button>"
          b"</form></body></html>", "reCAPTCHA"),
    Shape("hcaptcha-interstitial", 200,
          b"<html><head><title>news.example</title><script src='https://js.hcaptcha.com/1/api.js' async></script>"
          b"</head><body><form action='/pass'><div class='h-captcha' data-sitekey='10000000-ffff'></div></form>"
          b"</body></html>", "hCaptcha"),
    Shape("turnstile-interstitial", 200,
          b"<html><head><title>news.example</title><script src='https://challenges.cloudflare.com/turnstile/v0/"
          b"api.js' async defer></script></head><body><form action='/go'><div class='cf-turnstile' "
          b"data-sitekey='0x4AAAAAAAB'></div></form></body></html>", "Turnstile"),
    Shape("anubis-proof-of-work", 200, (
        b"<!doctype html><html lang='en'><head><title>Making sure you&#39;re not a bot!</title>"
        b"<script id='anubis_version' type='application/json'>\"v1.17.0\"</script>"
        b"<script id='anubis_challenge' type='application/json'>{\"challenge\":\"5e1f\",\"rules\":"
        b"{\"algorithm\":\"fast\",\"difficulty\":4}}</script></head><body><main><h1 id='title'>Loading...</h1>"
        b"<img id='image' src='/.within.website/x/cmd/anubis/static/img/pensive.webp'><p id='status'>Loading..."
        b"</p><details><summary>Why am I seeing this?</summary><p>You are seeing this because the administrator "
        b"of this website has set up Anubis to protect the server against the scourge of AI companies "
        b"aggressively scraping websites.</p></details></main></body></html>"), "Anubis"),
    Shape("proof-of-work-generic", 200,
          b"<html><head><title>Checking you are not a bot</title><script src='/.pow/solver.js'></script></head>"
          b"<body><p>Your browser is solving a proof-of-work challenge to reach this site. This takes a few "
          b"seconds.</p></body></html>", "proof-of-work wall"),
    Shape("ddos-guard", 403, b"<html><head><title>DDoS-Guard</title></head><body><p>Checking your browser before "
          b"accessing news.example</p></body></html>", "DDoS-Guard", headers={"server": "ddos-guard"},
          cookies=("__ddg1_=AbCd; Path=/",)),
    Shape("sucuri-firewall", 403, b"<html><head><title>Sucuri WebSite Firewall - Access Denied</title></head>"
          b"<body><h1>Access Denied - Sucuri Website Firewall</h1><p>If you are the site owner, please contact "
          b"support.</p></body></html>", "Sucuri", headers={"server": "Sucuri/Cloudproxy", "x-sucuri-id": "11005"}),
    Shape("linkedin-999", 999,
          b"<html><head><script type='text/javascript'>window.onload = function() { var domain = location.host;"
          b" var cookieDomain = '.www.linkedin.com'; document.cookie = 'trkCode=bf; domain=' + cookieDomain;"
          b" location.href = 'https://www.linkedin.com/authwall?trk=bf'; }</script></head></html>", "LinkedIn",
          url="https://www.linkedin.com/in/some-person"),
    Shape("reddit-network-security", 403,
          b"<html><head><title>Blocked</title></head><body><p>You've been blocked by network security.</p><p>To "
          b"continue, log in to your Reddit account or use your developer token</p></body></html>", "Reddit"),
    Shape("amazon-robot-check", 503,
          b"<html><head><title>Amazon.com</title></head><body><h4>Enter the characters you see below</h4><p>Sorry, "
          b"we just need to make sure you're not a robot. For best results, please make sure your browser is "
          b"accepting cookies.</p><p>To discuss automated access to Amazon data please contact "
          b"api-services-support@amazon.com.</p></body></html>", "Amazon"),
    Shape("cloudflare-security-verification", 200, (
        b"<html><head><title>news.example</title></head><body><h1>news.example</h1><h2>Performing security "
        b"verification</h2><p>This website uses a security service to protect against malicious bots. This page "
        b"is displayed while the website verifies you are not a bot.</p></body></html>"), "Cloudflare",
        headers=CF_SERVED),
    Shape("vercel-checkpoint-429", 429, (
        b"<html><head><title>Vercel Security Checkpoint</title></head><body><p>We're verifying your browser</p>"
        b"<noscript>Enable JavaScript to continue</noscript></body></html>"), "Vercel",
        headers={"server": "Vercel", "x-vercel-mitigated": "challenge", "x-vercel-id": "fra1::abc12"}),
    Shape("vercel-deny-403-empty", 403, b"", "Vercel", headers={"server": "Vercel", "x-vercel-mitigated": "deny"}),
    Shape("cloudfront-request-blocked-403", 403, (
        b"<html><head><title>ERROR: The request could not be satisfied</title></head><body><h1>403 ERROR</h1>"
        b"<h2>The request could not be satisfied.</h2><hr>Request blocked. We can't connect to the server for this "
        b"app or website at this time. There might be too much traffic or a configuration error. Try again later, "
        b"or contact the app or website owner.<br clear='all'><hr><pre>Generated by cloudfront (CloudFront)\n"
        b"Request ID: AbCdEf123==</pre></body></html>"), "Amazon CloudFront",
        headers={"server": "CloudFront", "x-cache": "Error from cloudfront"}),
    Shape("f5-asm-rejected-200", 200, (
        b"<html><head><title>Request Rejected</title></head><body>The requested URL was rejected. Please consult "
        b"with your administrator.<br><br>Your support ID is: 1234567890123456789<br><br>"
        b"<a href='javascript:history.back();'>[Go Back]</a></body></html>"), "F5 BIG-IP",
        cookies=("TS01a2b3c4=01ab; Path=/",)),
    Shape("modsecurity-406", 406, (
        b"<html><head><title>406 Not Acceptable</title></head><body><h1>Not Acceptable!</h1><p>An appropriate "
        b"representation of the requested resource could not be found on this server. This error was generated "
        b"by Mod_Security.</p></body></html>"), "ModSecurity"),
    Shape("wordfence-503", 503, (
        b"<html><head><title>Your access to this site has been limited by the site owner</title></head><body>"
        b"<h1>Your access to this site has been limited by the site owner</h1><p>If you think you have been "
        b"blocked in error, contact the owner of this site for assistance.</p><p>Block Technical Data</p>"
        b"<p>Generated by Wordfence at Tue, 7 May 2024 10:00:00 GMT.</p></body></html>"), "Wordfence"),
    Shape("siteground-sgcaptcha-202", 202, (
        b"<html><head><meta http-equiv='refresh' content='0;/.well-known/sgcaptcha/?r=%2F2024%2F05%2Ffindings'>"
        b"</head><body></body></html>"), "SiteGround", url="https://news.example/.well-known/sgcaptcha/",
        via="https://news.example/2024/05/committee-findings"),
    Shape("radware-captcha", 200, (
        b"<html><head><title>Radware Bot Manager Captcha</title><script src='https://validate.perfdrive.com/"
        b"captcha.js'></script></head><body><p>We apologize for the inconvenience...</p><p>To ensure we keep "
        b"this website safe, please can you confirm you are a human by ticking the box below.</p></body></html>"),
        "Radware Bot Manager"),
    Shape("radware-redirect-to-perfdrive", 200, b"<html><head></head><body><div id='ssCaptcha'></div></body></html>",
          "Radware Bot Manager", url="https://validate.perfdrive.com/ab12/captcha?ssa=1&ssb=2",
          via="https://news.example/2024/05/committee-findings"),
    Shape("reblaze-403", 403, b"<html><head><title>Forbidden</title></head><body></body></html>", "Reblaze",
          cookies=("rbzid=AbCd12; Path=/",)),
    Shape("alibaba-punish", 200, (
        b"<html><head><script>window.location.href='https://news.example/_____tmd_____/punish?x5secdata=Ab12"
        b"&x5step=1';</script></head><body></body></html>"), "Alibaba Cloud"),
    Shape("yandex-showcaptcha", 200, (
        b"<html><head><title>Are you not a robot?</title></head><body><form action='/checkcaptcha'>"
        b"<div class='SmartCaptcha'></div></form></body></html>"), "Yandex SmartCaptcha",
        url="https://news.example/showcaptcha?retpath=x", via="https://news.example/2024/05/committee-findings"),
    Shape("facebook-temporarily-blocked", 200, (
        "<html><head><title>Facebook</title></head><body><h2>You’re Temporarily Blocked</h2><p>It looks like "
        "you were misusing this feature by going too fast. You’ve been temporarily blocked from using it.</p>"
        "</body></html>").encode(), "Facebook", url="https://www.facebook.com/some.page/posts/1"),
    Shape("facebook-login-wall", 200, (
        b"<html><head><title>Log into Facebook</title></head><body><h2>Log into Facebook</h2><form "
        b"action='/login/'><input name='email' placeholder='Email or phone number'><input name='pass' "
        b"type='password'><button>Log in</button></form><a href='/recover'>Forgotten account?</a>"
        b"<p>You must log in to continue.</p></body></html>"), "Facebook",
        url="https://www.facebook.com/groups/123/posts/456"),
    Shape("instagram-login-wall", 200, (
        "<html><head><title>Login • Instagram</title></head><body><form><input name='username'>"
        "<input name='password' type='password'><button>Log in</button></form><p>Don't have an account? "
        "Sign up</p></body></html>").encode(), "Instagram", url="https://www.instagram.com/p/AbC123/"),
    Shape("x-automated-request", 403, (
        b"<html><head><title>X</title></head><body><p>This request looks like it might be automated. To protect "
        b"our users from spam and other malicious activity, we can't complete this action right now.</p></body>"
        b"</html>"), "X (Twitter)", url="https://x.com/someone/status/1"),
    Shape("arkose-interstitial", 200, (
        b"<html><head><title>Security check</title><script src='https://client-api.arkoselabs.com/v2/api.js'>"
        b"</script></head><body><div id='FunCaptcha'></div></body></html>"), "Arkose Labs"),
    Shape("geetest-interstitial", 200, (
        b"<html><head><script src='https://static.geetest.com/v4/gt4.js'></script></head><body>"
        b"<div class='geetest_captcha'></div></body></html>"), "GeeTest"),
    Shape("friendly-captcha-interstitial", 200, (
        b"<html><head><title>One moment</title></head><body><div class='frc-captcha' data-sitekey='FCMAB'></div>"
        b"</body></html>"), "Friendly Captcha"),
    Shape("google-sorry-redirect", 429, b"<html><head></head><body><form action='index'><div id='recaptcha'></div>"
          b"</form></body></html>", "Google", url="https://www.google.com/sorry/index?continue=https://www.google"
          ".com/search%3Fq%3Dx", via="https://www.google.com/search?q=x"),
    Shape("google-unusual-traffic", 429,
          b"<html><head><title>https://www.google.com/search?q=x</title></head><body><div>Our systems have "
          b"detected unusual traffic from your computer network. This page checks to see if it's really you "
          b"sending the requests, and not a robot.</div></body></html>", "Google"),
]

CF_JSD = "<script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>"
ORDINARY: list[Shape] = [
    Shape("article-mentions-captcha-products", 200, article(extra_body=(
        "<p>Readers complained that reCAPTCHA, hCaptcha and Cloudflare Turnstile checks now stand between them "
        "and the report; a CAPTCHA, the committee said, is no answer to access denied by design.</p>")),
        None, expected="ok"),
    Shape("article-with-recaptcha-comment-form", 200, article(
        extra_head="<script src='https://www.google.com/recaptcha/api.js'></script>",
        extra_body="<form action='/comment'><textarea name=c></textarea><div class='g-recaptcha' "
                   "data-sitekey='6LcAbC'></div></form><div class='grecaptcha-badge'></div>"), None, expected="ok"),
    Shape("short-item-says-access-denied", 200, article(paras=3, title="Reporters denied access", extra_body=(
        "<p>Reporters said they were access denied at the gate, and one said the captcha on the ministry's "
        "site had blocked them all week.</p>")), None, expected="ok"),
    Shape("article-on-cloudflare", 200, article(extra_body=CF_JSD), None, headers=CF_SERVED,
          cookies=("__cf_bm=AbC.dEf-1715000000-1.0.1.1; path=/; HttpOnly; Secure",), expected="ok"),
    Shape("article-on-datadome", 200, article(extra_head="<script src='https://js.datadome.co/tags.js'></script>"),
          None, headers={"x-datadome": "protected"}, cookies=("datadome=4x9k~AbC; Path=/",), expected="ok"),
    Shape("article-on-perimeterx", 200, article(
        extra_head="<script>window._pxAppId='PXab12cd34';</script><script src='//client.perimeterx.net/"
                   "PXab12cd34/main.min.js'></script>"), None, cookies=("_pxvid=1a2b; Path=/",), expected="ok"),
    Shape("article-on-akamai", 200, article(extra_head="<script src='/akam/13/7a2b1c3d'></script>"), None,
          headers={"server": "AkamaiGHost"}, cookies=("_abck=0A1B; Path=/", "ak_bmsc=2C3D; Path=/"), expected="ok"),
    Shape("article-on-incapsula", 200, article(
        extra_head="<script src='/_Incapsula_Resource?SWJIYLWA=5074a744e2e3d891814e9a2dace20bd4'></script>"),
        None, headers={"x-iinfo": "12-34567890-0 0NNN RT", "x-cdn": "Imperva"},
        cookies=("visid_incap_2871=aBcD; path=/",), expected="ok"),
    Shape("article-about-proof-of-work", 200, article(paras=4, title="Miners and proof-of-work", extra_body=(
        "<p>Bitcoin's proof-of-work rewards whoever finds a hash first; Anubis, a tool that asks browsers for a "
        "little proof of work, is spreading among small sites.</p>")), None, expected="ok"),
    Shape("image-on-cloudflare", 200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, None, headers=CF_SERVED,
          cookies=("__cf_bm=AbC; path=/",), content_type="image/png", expected="no_text"),
    Shape("article-on-vercel", 200, article(), None,
          headers={"server": "Vercel", "x-vercel-id": "fra1::abc12", "x-vercel-cache": "HIT"}, expected="ok"),
    Shape("article-quoting-firewall-pages", 200, article(extra_body=(
        "<p>Visitors saw “Your access to this site has been limited by the site owner”, and others “The "
        "requested URL was rejected. Please consult with your administrator.”; one page said it was generated "
        "by Mod_Security, another that the request looks like it might be automated.</p>")), None, expected="ok"),
    Shape("article-with-arkose-signup-form", 200, article(
        extra_head="<script src='https://client-api.arkoselabs.com/v2/api.js'></script>",
        extra_body="<form action='/signup'><div id='FunCaptcha'></div></form>"), None, expected="ok"),
    Shape("redirect-to-a-sorry-page-of-its-own", 200, article(title="Sorry, we moved"), None,
          url="https://news.example/sorry/index", via="https://news.example/2024/05/committee-findings",
          expected="ok"),
    Shape("article-about-facebook-logins", 200, article(title="Facebook changes its log-in page", extra_body=(
        "<p>Users who try to log into Facebook now see a new page; “You must log in to continue,” it says, and "
        "Instagram's login page changed too.</p>")), None, expected="ok"),
    Shape("cloudfront-origin-502", 502, (
        b"<html><head><title>ERROR: The request could not be satisfied</title></head><body><h1>502 ERROR</h1>"
        b"<h2>The request could not be satisfied.</h2><hr>CloudFront wasn't able to connect to the origin.<hr>"
        b"<pre>Generated by cloudfront (CloudFront)</pre></body></html>"), None,
        headers={"server": "CloudFront", "x-cache": "Error from cloudfront"}, expected="server_error"),
    Shape("cloudflare-origin-down-521", 521, (
        b"<html><head><title>news.example | 521: Web server is down</title></head><body><h1>Web server is down "
        b"Error code 521</h1><p>The web server is not returning a connection.</p><p>Cloudflare Ray ID: "
        b"8f1e2d3c4b5a6978</p><p>Performance &amp; security by Cloudflare</p></body></html>"), None,
        headers=CF_SERVED, expected="server_error"),
]

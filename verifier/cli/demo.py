"""`verifier demo`: a small sample site on 127.0.0.1 and a brief that quotes it, right and wrong,
and makes two cited claims without quotation marks (one supported, one with a changed figure).

The demo's own brief (`DemoSite.demo_brief`) adds two sources a bot cannot read: a live blog whose
text is written by scripts (read by headless Chromium when it is installed) and a members-only
newsletter that refuses the fetcher, judged on a copy the fact-checker supplies
(`DemoSite.supplied`, as `--source 7=newsletter-saved.html` would).
"""

from __future__ import annotations

import http.server
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from verifier.core.pdfwrite import text_pdf
from verifier.core.values import BriefText

if TYPE_CHECKING:
    from verifier.service.supplied import SuppliedFile

HARBOUR = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour wall repairs to take longer than planned | The Kestrel Bay Courier</title></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/sport">Sport</a></nav>
<aside><h3>Most read</h3><p>Ferry timetable changes for the winter season.</p></aside>
<article><h1>Harbour wall repairs to take longer than planned</h1>
<p class="byline">By Morwenna Tregear, 3 March</p>
<p>Repairs to the old harbour wall in Kestrel Bay will take at least fourteen months, the town
council said on Tuesday, twice as long as engineers first estimated.</p>
<p>“We underestimated how much of the stonework had been undermined by the winter storms,” said
council leader Anwen Pascoe. “The wall will not reopen to walkers before the summer of next year.”</p>
<p>The council has set aside £2.4 million for the work, which will be carried out in three phases.
Fishing boats will still be able to use the inner harbour throughout the repairs.</p>
<p>Local businesses have asked for a temporary footpath along the quay so that visitors can still
reach the lighthouse café during the busy months.</p>
<figure><img src="/wall.jpg" alt=""><figcaption>The collapsed section of the wall after the
February storm.</figcaption></figure>
</article><footer>© The Kestrel Bay Courier. Contact us. Privacy policy.</footer></body></html>"""

INTERVIEW = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Interview: the engineer behind the harbour survey | Coastal Works Weekly</title></head>
<body><article><h1>Interview: the engineer behind the harbour survey</h1>
<p>Engineer Idris Vance led the survey of the Kestrel Bay harbour wall last autumn.</p>
<p>“Sea walls of that age were built for a calmer climate,” Vance told us. “Every town on this
coast will face the same bill sooner or later.”</p>
<p>He said the survey used ground radar to map the voids behind the stones, a method that is
now common on older coastal defences.</p>
</article></body></html>"""

HOME = """<!doctype html><html><head><meta charset="utf-8"><title>The Kestrel Bay Courier</title></head>
<body><h1>The Kestrel Bay Courier</h1><p>Latest news, sport and weather from the bay.</p></body></html>"""

NOT_FOUND = b"<!doctype html><html><body><h1>Not Found</h1></body></html>"

PDF_LINES = [
    "Kestrel Bay Town Council - Coastal Defence Review",
    "The review recommends that the harbour wall be inspected every two years,",
    "and that a reserve fund for storm damage be created in the next budget.",
]

BRIEF = """# Kestrel Bay harbour: what the sources say

The harbour wall repairs will take “at least fourteen months,” the council said [1].
Council leader Anwen Pascoe admitted: “We underestimated how much of the stonework had been
undermined by the winter storms” [1].

She added that “the wall will not reopen to walkers before the summer of next year” [1], and the
council “has set aside £2.4 million for the work . . . in three phases” [1].

A typo slips in easily: “Fishing boats will still be able to use the inner harbour thoughout the
repairs” [1]. A changed number is worse: “the council has set aside £3.4 million for the work” [1].

The engineer behind the survey warned that “sea walls of that age were built for a calmer
climate” [1]. The council review says “the harbour wall be inspected every two years” [3].

An older story claimed that “the harbour will be closed to all boats for a year” [4].

“Nobody told the fishermen until the week before,” one skipper said [1].

Fishing boats can still use the inner harbour while the repairs go on [1]. The council has set
aside £4.2 million for the work, which will be carried out in three phases [1].

## References

[1] Harbour wall repairs to take longer than planned. {base}/news/harbour-wall
[2] Interview: the engineer behind the harbour survey. {base}/features/engineer-interview
[3] Coastal Defence Review (PDF). {base}/reports/coastal-review.pdf
[4] Harbour to close, says council (old link). {base}/news/2019/harbour-closure
[5] Courier front page. {base}/old-front-page
"""


LIVE_BLOG = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Live: harbour wall repairs | Kestrel Bay Harbour Trust</title></head><body><main id="live"></main>
<script>document.getElementById('live').innerHTML = '<article><h1>Harbour wall repairs: live</h1>' +
 '<p>09:40 The trust confirmed that the first stones will be lifted from the wall in April, ' +
 'weather permitting.</p><p>09:15 Engineers are on the quay this morning.</p></article>';</script>
</body></html>"""

MEMBERS_WALL = b"""<!doctype html><html><head><title>Members only</title></head><body>
<h1>Access denied</h1><p>You don't have permission to access this page. Subscribe to read.</p></body></html>"""

NEWSLETTER_COPY = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Members' newsletter, spring | Kestrel Bay Harbour Trust</title></head><body><article>
<h1>Members' newsletter: spring</h1>
<p>Thank you to everyone who came to the open evening at the lighthouse.</p>
<p>Once the wall is safe, volunteers will repaint the lighthouse railings in May, and new members
are welcome to join them.</p></article></body></html>"""

UNREADABLE_PART = """The trust's live blog reports that “the first stones will be lifted from the wall in April” [6].
Its members' newsletter says “volunteers will repaint the lighthouse railings in May” [7].

"""

UNREADABLE_REFS = """[6] Live: harbour wall repairs (the text is written by scripts). {base}/live/harbour-blog
[7] Members' newsletter (subscribers only; a saved copy is supplied). {base}/members/newsletter
"""


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page text PDF for the demo site."""
    return text_pdf([lines], font_size=12, leading=16, page_size=(595, 842), font="Times-Roman", compress=True)


class DemoSite:
    """A threaded HTTP server on 127.0.0.1, port chosen by the OS, stopped on exit."""

    def __init__(self) -> None:
        pdf = tiny_pdf(PDF_LINES)
        routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {
            "/": (200, "text/html; charset=utf-8", HOME.encode(), {}),
            "/news/harbour-wall": (200, "text/html; charset=utf-8", HARBOUR.encode(), {}),
            "/features/engineer-interview": (200, "text/html; charset=utf-8", INTERVIEW.encode(), {}),
            "/reports/coastal-review.pdf": (200, "application/pdf", pdf, {}),
            "/old-front-page": (301, "text/html", b"", {"Location": "/"}),
            **{f"/slow/{i}": (200, "text/html; charset=utf-8", INTERVIEW.encode(), {}) for i in range(10)},
            "/robots.txt": (200, "text/plain", b"User-agent: *\nDisallow: /private/\n", {}),
            "/live/harbour-blog": (200, "text/html; charset=utf-8", LIVE_BLOG.encode(), {}),
            "/members/newsletter": (403, "text/html; charset=utf-8", MEMBERS_WALL, {}),
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path.startswith("/slow/"):  # for tests of time limits and crashed workers
                    time.sleep(3)
                status, ctype, body, extra = routes.get(self.path.split("?")[0],
                                                        (404, "text/html", NOT_FOUND, {}))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> DemoSite:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()

    def brief(self) -> BriefText:
        from verifier.core.intake import brief_from_bytes

        return brief_from_bytes(BRIEF.format(base=self.base_url).encode(), name="demo-brief.md")

    def demo_brief(self) -> BriefText:
        """The brief `verifier demo` checks: the sample brief plus a script-written source [6] and a
        members-only one [7] (judged on `supplied()`)."""
        from verifier.core.intake import brief_from_bytes

        text = BRIEF.replace("## References", UNREADABLE_PART + "## References") + UNREADABLE_REFS
        return brief_from_bytes(text.format(base=self.base_url).encode(), name="demo-brief.md")

    def supplied(self) -> list[SuppliedFile]:
        """The fact-checker's saved copy of the members-only newsletter, for source [7]."""
        from verifier.service.supplied import SuppliedFile

        return [SuppliedFile("7", "newsletter-saved.html", NEWSLETTER_COPY.encode(), "text/html")]

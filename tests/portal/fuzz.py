"""The machinery of the fuzz pass (tests/portal/test_fuzz.py): every URL pattern filled in, the
forms and query parameters a page offers read from its HTML, and a table of hostile values.

Sampled, not exhaustive: a seeded random picks which values each field and parameter gets
(CARTABLE_FUZZ_SEED changes the sample; the failures name the seed)."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

SEED = int(os.environ.get("CARTABLE_FUZZ_SEED", "12"))

HUGE = "99999999999999999999"
HOSTILE: list[str] = [
    HUGE,
    "-" + HUGE,
    "-1",
    "0",
    "1e400",
    "NaN",
    "0x1F",
    "\x00",
    "a\x00b",
    "\r\n\x0b\x1b[31m\x7f",
    "x" * 10_000,
    "9" * 5000,
    "é🙂\u202e\ufeff\U0010ffff",
    "' OR 1=1 --",
    '"><script>alert(1)</script>',
    "",
    "   ",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "31/12/99999",
    "[]",
    "{'a': 1}",
    "true",
    "%",
    "%00",
    "../../../etc/passwd",
    "https://evil.example/",
    "//evil.example",
]

# Query parameters the portal's own pages read, besides those their links and forms show.
KNOWN_QUERY_PARAMETERS = [
    "page", "p", "q", "o", "e", "mois", "montant", "start", "end", "next", "all", "_popup",
    "_to_field", "_changelist_filters", "term", "app_label", "model_name", "field_name",
    "type", "kind", "method", "step", "lang", "token", "id",
]  # fmt: skip

# Visiting these would end the fuzzing client's session or language mid-way.
SKIPPED_ROUTES = ("accounts/logout/", "admin/logout/", "i18n/setlang/", "admin/(?P<url>")


def routes() -> list[tuple[str, URLPattern]]:
    """Every concrete route: (the route text with its converters, its pattern)."""
    found: list[tuple[str, URLPattern]] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            text = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry, text)
            elif not text.startswith(SKIPPED_ROUTES) and "(?P<" not in text:
                found.append((text, entry))

    walk(get_resolver(), "")
    return found


def fill(route: str, values: dict[str, list[str]]) -> list[str]:
    """Paths for `route`: each converter given each of its values (one converter varies at a
    time, the others take their first value)."""
    import re

    slots = re.findall(r"<(?:(\w+):)?(\w+)>", route)
    if not slots:
        return ["/" + route]
    paths = []
    for i, (converter, name) in enumerate(slots):
        for value in values.get(name) or values[converter or "str"]:
            path = route
            for j, (conv, other) in enumerate(slots):
                chosen = value if i == j else (values.get(other) or values[conv or "str"])[0]
                token = f"<{conv}:{other}>" if conv else f"<{other}>"
                path = path.replace(token, quote(chosen, safe=""), 1)
            paths.append("/" + path)
    return list(dict.fromkeys(paths))


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # (name, value) as rendered
    kinds: dict[str, str] = field(default_factory=dict)  # name → input type / select / textarea
    choices: dict[str, list[str]] = field(default_factory=dict)


class PageParser(HTMLParser):
    """The forms of a page (fields with the values a browser would send) and its links."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append(Form(action=a.get("action", ""), method=a.get("method", "get")))
        elif not self.forms or not a.get("name"):
            return
        elif tag == "input":
            form, name, kind = self.forms[-1], a["name"], a.get("type", "text").lower()
            form.kinds[name] = kind
            if kind in ("checkbox", "radio"):
                form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
            self.forms[-1].kinds[a["name"]] = "select"
        elif tag == "textarea":
            self._textarea = a["name"]
            self.forms[-1].kinds[a["name"]] = "textarea"
            self.forms[-1].fields.append((a["name"], ""))
        if tag == "option" and self._select and self.forms:
            form = self.forms[-1]
            form.choices.setdefault(self._select, []).append(a.get("value", ""))
            if "selected" in a:
                form.fields.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            form = self.forms[-1]
            form.fields = [(n, data if n == self._textarea else v) for n, v in form.fields]


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    return parser


@dataclass
class Failure:
    method: str
    path: str
    data: object
    status: int
    error: str

    def __str__(self) -> str:
        shown = repr(self.data)
        return f"{self.method} {self.path[:200]} {shown[:300]} → {self.status} {self.error}"


@dataclass
class Fuzzer:
    """Sends requests, keeps every 5xx with the exception behind it.

    Every path is visited; what a page offers (its query parameters, its forms' fields, each
    with hostile values) becomes a list of candidate requests, of which `per_page` are sampled.
    """

    client: Client
    per_page: int = 12
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    failures: list[Failure] = field(default_factory=list)
    sent: int = 0

    def request(self, method: str, path: str, data=None):
        self.sent += 1
        send = self.client.post if method == "POST" else self.client.get
        response = send(path, data if data is not None else {})
        if response.status_code >= 500:
            exc = getattr(response, "exc_info", None)
            error = f"{exc[0].__name__}: {str(exc[1])[:200]}" if exc else ""
            self.failures.append(Failure(method, path, data, response.status_code, error))
        return response

    def hostile(self) -> str:
        return self.rng.choice(HOSTILE)

    def query_parameters(self, path: str, page: PageParser) -> list[str]:
        names = set()
        for href in page.links:
            parts = urlsplit(href)
            if not parts.netloc and (not parts.path or parts.path == path):
                names |= {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
        for form in page.forms:
            if form.method.lower() == "get":
                names |= {name for name, _ in form.fields} | set(form.kinds)
        return sorted(names | set(KNOWN_QUERY_PARAMETERS))

    def query_candidates(self, path: str, page: PageParser) -> list[tuple[str, str, object]]:
        names = self.query_parameters(path, page)
        candidates: list[tuple[str, str, object]] = [
            ("GET", path, {name: self.hostile()}) for name in names
        ]
        # duplicated parameters, every one at once
        candidates.append(("GET", path, {name: [HUGE, "\x00"] for name in names}))
        return candidates

    def form_candidates(self, path: str, form: Form) -> list[tuple[str, str, object]]:
        target = form.action or path
        if target.startswith(("http", "//")) or "logout" in target or "/delete/" in target:
            return []
        base: dict[str, list[str]] = {}
        for name, value in form.fields:
            base.setdefault(name, []).append(value)
        names = sorted(set(form.kinds) | set(base))
        candidates: list[tuple[str, str, object]] = []
        for name in names:
            # a hostile value; a file where text is expected; a list where one value is
            candidates.append(("POST", target, {**base, name: self.hostile()}))
            upload = SimpleUploadedFile("x.pdf", b"%PDF-" + b"\x00" * 64)
            candidates.append(("POST", target, {**base, name: upload}))
            candidates.append(("POST", target, {**base, name: [HUGE, "\x00", "x" * 10_000]}))
        candidates.append(("POST", target, {name: self.hostile() for name in names}))
        candidates.append(("POST", target, {}))
        return candidates

    def crawl(self, path: str, *, deep: bool = True) -> None:
        response = self.request("GET", path)
        html = "html" in response.get("Content-Type", "")
        if not deep or response.status_code != 200 or not html:
            return
        page = parse(response.content.decode(errors="replace"))
        candidates = self.query_candidates(path, page)
        for form in page.forms:
            if form.method.lower() == "post":
                candidates += self.form_candidates(path, form)
        for method, target, data in self.rng.sample(
            candidates, min(self.per_page, len(candidates))
        ):
            self.request(method, target, data)

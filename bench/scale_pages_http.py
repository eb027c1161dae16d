"""HTTP side of bench/scale_pages.py: one browser-like client over plain loopback HTTP, logins
(the admin's with its TOTP code), and what the pages' HTML says (CSRF token, admin links).

Production cookies are `Secure`: a client keeps them only over HTTPS, so this one reads
`Set-Cookie` itself and sends the `Cookie` header back.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import re
import struct
import time
from dataclasses import dataclass

import requests

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DEVICE_RE = re.compile(r'<select name="otp_device".*?<option value="([^"]+)"', re.DOTALL)
CAPTCHA_RE = re.compile(r'name="captcha_0" value="([^"]+)"')
ADMIN_LINK_RE = re.compile(r'<th scope="row"[^>]*>\s*<a href="(/admin/\w+/\w+/)"[^>]*>([^<]+)</a>')
CHANGE_LINK_RE = re.compile(r'href="(/admin/\w+/\w+/\d+/change/[^"]*)"')
PAGE_RE = re.compile(r'href="\?(?:[^"]*&amp;)?p=(\d+)')
TIMEOUT = 600  # a slow admin page at full size answers in tens of seconds


@dataclass
class Hit:
    seconds: float
    status: int
    queries: int | None
    size: int
    location: str = ""


class Client:
    def __init__(self, base: str, host: str) -> None:
        self.base, self.host = base, host
        self.http = requests.Session()
        self.cookies: dict[str, str] = {}
        self.last_text = ""

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, data: dict | None = None) -> Hit:
        headers = {"Host": self.host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Referer"] = f"http://{self.host}{path}"
        started = time.perf_counter()
        response = self.http.request(
            method, self.base + path, data=data, headers=headers, allow_redirects=False,
            timeout=TIMEOUT,
        )  # fmt: skip
        content = response.content
        seconds = time.perf_counter() - started
        self.http.cookies.clear()  # the jar would keep Secure cookies and never send them
        for raw in _set_cookies(response):
            name, _eq, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if not value or value == '""' or "max-age=0" in raw.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        queries = response.headers.get("X-Bench-Queries")
        self.last_text = content.decode("utf-8", "replace") if _is_text(response) else ""
        return Hit(
            seconds,
            response.status_code,
            int(queries) if queries else None,
            len(content),
            response.headers.get("Location", ""),
        )

    def get(self, path: str) -> Hit:
        return self.request("GET", path)

    def csrf(self, path: str) -> str:
        hit = self.get(path)
        match = CSRF_RE.search(self.last_text)
        if hit.status != 200 or not match:
            raise RuntimeError(f"GET {path} → {hit.status}, no CSRF token")
        return match.group(1)

    def post_form(self, path: str, fields: dict[str, str], *, form_path: str = "") -> Hit:
        """GET the form (CSRF token), then the timed POST."""
        token = self.csrf(form_path or path)
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})


def login(client: Client, identifier: str, password: str) -> Hit:
    hit = client.post_form("/accounts/login/", {"login": identifier, "password": password})
    if hit.status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"login of {identifier} failed: {hit.status}")
    return hit


def admin_login(client: Client, identifier: str, password: str, totp_key_hex: str) -> None:
    """The admin's login form: identifier and password first (the form then offers the user's
    devices), then the device and its current TOTP code. A code is accepted once, so on a
    refusal the next time step's code is tried."""
    fields = {"username": identifier, "password": password, "next": "/admin/"}
    hit = client.post_form("/admin/login/?next=/admin/", fields, form_path="/admin/login/")
    device = DEVICE_RE.search(client.last_text)
    if device is None:
        raise RuntimeError(f"admin login of {identifier}: no device offered ({hit.status})")
    for _attempt in range(3):
        token = CSRF_RE.search(client.last_text)
        data = {**fields, "otp_device": html.unescape(device.group(1))}
        data |= {"otp_token": f"{totp(totp_key_hex):06d}", "csrfmiddlewaretoken": token.group(1)}
        hit = client.request("POST", "/admin/login/?next=/admin/", data)
        if hit.status == 302:
            return
        time.sleep(31 - time.time() % 30)
        client.csrf("/admin/login/")
    raise RuntimeError(f"admin login of {identifier} failed ({hit.status})")


def totp(key_hex: str, step: int = 30, digits: int = 6) -> int:
    """RFC 6238, as django_otp computes it for a TOTPDevice with this key."""
    counter = struct.pack(">Q", int(time.time()) // step)
    digest = hmac.new(bytes.fromhex(key_hex), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return code % 10**digits


def admin_changelists(index_html: str) -> list[tuple[str, str]]:
    """(label, URL) of every changelist the admin index offers this user."""
    return [(html.unescape(label), url) for url, label in ADMIN_LINK_RE.findall(index_html)]


def changelist_links(page: str) -> dict[str, str]:
    """What a changelist offers: its search box, first filter choice, last page, first row."""
    links: dict[str, str] = {}
    if 'id="searchbar"' in page:
        links["search"] = "?q="
    start = page.find('id="changelist-filter"')
    if start >= 0:
        for href in re.findall(r'<a href="(\?[^"]*)"', page[start:]):
            query = html.unescape(href)
            if "=" in query and not query.startswith(("?q=", "?_")):
                links["filter"] = query
                break
    pages = [int(p) for p in PAGE_RE.findall(page)]
    if pages:
        links["last"] = f"?p={max(pages)}"
    result_list = page.find('id="result_list"')
    change = CHANGE_LINK_RE.search(page, result_list if result_list >= 0 else 0)
    if change:
        links["change"] = html.unescape(change.group(1)).split("?", 1)[0]
    return links


def captcha_key(page: str) -> str:
    match = CAPTCHA_RE.search(page)
    if not match:
        raise RuntimeError("no captcha on the page")
    return match.group(1)


def _set_cookies(response: requests.Response) -> list[str]:
    raw = getattr(response.raw, "headers", None)
    if raw is not None and hasattr(raw, "getlist"):
        return raw.getlist("Set-Cookie")
    value = response.headers.get("Set-Cookie")
    return [value] if value else []


def _is_text(response: requests.Response) -> bool:
    return response.headers.get("Content-Type", "").startswith("text/html")

"""SMS and voice: the HTTP gateway against a real local server, the console and outbox backends."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from outbox.models import Channel, Message, Status
from outbox.services import outbox_sweep, sms_queue
from tests.outbox.conftest import make_due

pytestmark = pytest.mark.django_db

PHONE = "+32470123456"
CODE = "418263"


class Gateway(ThreadingHTTPServer):
    """A gateway on 127.0.0.1: answers each POST with the next (status, delay) of `script`."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _GatewayHandler)
        self.script: list[tuple[int, float]] = []
        self.received: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/send"


class _GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append(
            {
                "path": self.path,
                "authorization": self.headers.get("Authorization"),
                "json": json.loads(self.rfile.read(length)),
            }
        )
        status, delay = self.server.script.pop(0) if self.server.script else (200, 0)
        time.sleep(delay)
        body = b'{"ok": true}' if status < 400 else b'{"error": "nope"}'
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up waiting
            pass

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def gateway(settings):
    server = Gateway()
    # shutdown() waits for the loop to poll: 0.5 s per test by default
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = server.url
    settings.SMS_GATEWAY_TOKEN = "gateway-token"
    settings.SMS_GATEWAY_TIMEOUT = 0.5
    yield server
    server.shutdown()
    server.server_close()


def queue_code(tenant, *, channel: str = Channel.SMS) -> Message:
    return sms_queue(
        tenant=tenant,
        to="+32 470 12 34 56",
        template="outbox/code",
        context={"code": CODE, "minutes": 10},
        channel=channel,
    )


def test_the_gateway_receives_the_code_with_the_token(tenant_a, gateway, on_commit, caplog):
    # given a working gateway, when a code is sent by SMS
    with on_commit():
        message = queue_code(tenant_a)
    # then the gateway got one authenticated JSON request with the text
    assert len(gateway.received) == 1
    request = gateway.received[0]
    assert request["authorization"] == "Bearer gateway-token"
    assert request["json"]["to"] == PHONE
    assert request["json"]["channel"] == "sms"
    assert CODE in request["json"]["text"]
    assert request["json"]["text"].startswith("Réseau Alpha")
    # and the message is sent; the code was never logged
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert CODE not in caplog.text


def test_a_voice_call_uses_the_same_gateway_with_the_voice_channel(tenant_a, gateway, on_commit):
    with on_commit():
        queue_code(tenant_a, channel=Channel.VOICE)
    assert gateway.received[0]["json"]["channel"] == "voice"


def test_a_gateway_error_is_retried_and_the_sms_then_sent(tenant_a, gateway, on_commit, caplog):
    # given a gateway that fails once with a 500
    gateway.script = [(500, 0), (200, 0)]
    with on_commit():
        message = queue_code(tenant_a)
    message.refresh_from_db()
    # then the message waits for a retry, the reason is recorded
    assert message.status == Status.PENDING
    assert message.last_error == "passerelle SMS : HTTP 500"
    # when the retry is due
    make_due(message)
    with on_commit():
        outbox_sweep()
    # then it is sent on the second request
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert len(gateway.received) == 2
    assert "HTTP 500" in caplog.text  # the failure was logged...
    assert CODE not in caplog.text  # ...without the code


def test_a_refused_sms_fails_without_retry(tenant_a, gateway, on_commit):
    # given a gateway that refuses the request (bad number)
    gateway.script = [(422, 0)]
    with on_commit():
        message = queue_code(tenant_a)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert "422" in message.last_error
    # when the sweep runs later, nothing is tried again
    make_due(message)
    with on_commit():
        assert outbox_sweep() == 0
    assert len(gateway.received) == 1


def test_a_slow_gateway_times_out_and_the_sms_waits_for_a_retry(
    tenant_a, gateway, on_commit, settings
):
    # given a gateway slower than the timeout
    settings.SMS_GATEWAY_TIMEOUT = 0.2
    gateway.script = [(200, 2.0)]
    started = time.monotonic()
    with on_commit():
        message = queue_code(tenant_a)
    # then the worker did not wait for it
    assert time.monotonic() - started < 1.8
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert "délai dépassé" in message.last_error


def test_an_unreachable_gateway_is_retried(tenant_a, settings, on_commit):
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/send"  # discard port: nothing listens
    with on_commit():
        message = queue_code(tenant_a)
    message.refresh_from_db()
    assert message.status == Status.PENDING
    assert "injoignable" in message.last_error


def test_the_console_backend_never_prints_the_code(tenant_a, settings, on_commit, capsys):
    settings.SMS_BACKEND = "console"
    with on_commit():
        message = queue_code(tenant_a)
    out = capsys.readouterr().out
    assert PHONE in out
    assert CODE not in out
    message.refresh_from_db()
    assert message.status == Status.SENT


def test_the_outbox_backend_only_marks_the_sms_sent(tenant_a, settings, on_commit):
    settings.SMS_BACKEND = "outbox"
    settings.OUTBOX_KEEP_BODIES = True
    with on_commit():
        message = queue_code(tenant_a)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert CODE in message.body_text


def test_sms_are_sensitive_by_default_and_erased_once_sent(tenant_a, settings, on_commit):
    settings.SMS_BACKEND = "outbox"
    settings.OUTBOX_KEEP_BODIES = False
    with on_commit():
        message = queue_code(tenant_a)
    message.refresh_from_db()
    assert message.sensitive and message.bodies_erased
    assert CODE not in message.body_text

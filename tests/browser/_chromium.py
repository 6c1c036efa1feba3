"""A minimal headless-Chromium driver speaking the DevTools protocol over a pipe.

Why the DevTools protocol over ``--remote-debugging-pipe`` rather than ``--dump-dom`` and
``--screenshot``: the pipe needs no TCP port (nothing to collide with, nothing listening), and
it reports, as events, exactly what the tests must assert on: console messages and uncaught
exceptions (``Runtime.consoleAPICalled``, ``Runtime.exceptionThrown``), browser log entries
such as Content-Security-Policy violations and failed loads (``Log.entryAdded``) and any
``alert``/``confirm``/``prompt`` (``Page.javascriptDialogOpening``). ``Runtime.evaluate`` runs
outside the page's CSP, so the tests can inspect the rendered DOM (image decode state, table
text) of pages whose own CSP forbids every script. Scrapers of stderr (``--enable-logging``)
depend on Chromium's log format; these events do not.

Messages are JSON objects separated by NUL bytes: commands go to the browser's fd 3, replies
and events come from its fd 4.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--remote-debugging-pipe",
)
_TIMEOUT_S = 30.0


def find_chromium() -> str | None:
    """Path of a Chromium binary (Debian's ``chromium`` first), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageResult:
    """What loading one page produced."""

    url: str
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None


class Chromium:
    """One headless Chromium process with a fresh profile; use as a context manager."""

    def __init__(self, binary: str) -> None:
        self._profile = tempfile.mkdtemp(prefix="sigforge-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        os.set_inheritable(to_browser_r, True)
        os.set_inheritable(from_browser_w, True)

        def _wire() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self._process = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=_wire)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Ask the browser to exit, then make sure it has, and remove the profile."""
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self._profile, ignore_errors=True)

    # -- protocol ---------------------------------------------------------------------------

    def _read_message(self, deadline: float) -> dict[str, Any]:
        """Block until one whole message has arrived and return it."""
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time.")
            ready, _, _ = select.select([self._from_browser], [], [], remaining)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    stderr = self._process.stderr.read().decode() if self._process.stderr else ""
                    raise RuntimeError(f"Chromium closed the pipe. stderr:\n{stderr[-2000:]}")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            command["sessionId"] = session
        os.write(self._to_browser, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + _TIMEOUT_S
        while True:
            message = self._read_message(deadline)
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    def _wait_for(self, method: str, session: str) -> None:
        """Wait until an event ``method`` of ``session`` has arrived."""
        deadline = time.monotonic() + _TIMEOUT_S
        while not any(e.get("method") == method and e.get("sessionId") == session
                      for e in self._events):
            message = self._read_message(deadline)
            self._events.append(message)
            if message.get("method") == "Page.javascriptDialogOpening":
                # A dialog blocks the page until answered; record it (kept in _events).
                self.send("Page.handleJavaScriptDialog", {"accept": True},
                          session=message.get("sessionId"))

    # -- pages ------------------------------------------------------------------------------

    def load(self, path: Path, screenshot: Path | None = None, *,
             width: int = 1280) -> tuple[PageResult, str]:
        """Open ``path`` in a new tab; return what happened and the session to query.

        Waits for the load event, then a little longer for late console messages.
        """
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target,
                                                      "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                  session=session)
        self._events.clear()
        url = path.resolve().as_uri()
        self.send("Page.navigate", {"url": url}, session=session)
        self._wait_for("Page.loadEventFired", session)
        self.evaluate("new Promise(r => setTimeout(r, 200))", session)
        result = PageResult(url=url)
        self._collect(result, session)
        result.images = self.evaluate(
            "Array.from(document.images).map(i => ({alt: i.alt, complete: i.complete,"
            " width: i.naturalWidth, height: i.naturalHeight}))", session)
        if screenshot is not None:
            shot = self.send("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True}, session=session)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            result.screenshot = screenshot
        return result, session

    def _collect(self, result: PageResult, session: str) -> None:
        """Move console errors, exceptions, log errors and dialogs into ``result``."""
        for event in self._events:
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                result.errors.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in (
                    "error", "assert", "warning"):
                result.errors.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
                result.errors.append(f"log: {params['entry'].get('text')}")
            elif method == "Page.javascriptDialogOpening":
                result.dialogs.append(str(params.get("message")))
        self._events.clear()

    def evaluate(self, expression: str, session: str) -> Any:
        """Value of a JavaScript expression in the page (DevTools is not bound by its CSP)."""
        reply = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                               "awaitPromise": True}, session=session)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"evaluate failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def events(self) -> list[dict[str, Any]]:
        """Events received since the last page was collected (for late dialogs)."""
        return list(self._events)

"""Opens an HTML report in headless Chromium and checks it like a reader's browser would.

Usage: python scripts/check_report_browser.py report.html [--chromium chromium]

Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON messages
ended by a NUL byte on file descriptors 3 and 4), so it needs no Python package. It fails
(exit 1, saying why) when the page logs a console error or warning, throws, tries to load anything
that is not inline (http, https, file), or has an image that did not decode (naturalWidth 0);
it prints the number of images, tables and sections it found.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHECK = """(() => {
  const imgs = Array.from(document.images);
  return JSON.stringify({
    images: imgs.length,
    decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    tables: document.querySelectorAll('table').length,
    sections: document.querySelectorAll('section').length,
    scripts: document.scripts.length,
    title: document.title,
    height: document.documentElement.scrollHeight,
  });
})()"""


class Browser:
    def __init__(self, chromium: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="crmkit-chromium-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        # The child's fd 3 reads our commands, fd 4 writes its replies.
        def child_fds() -> None:
            high_r, high_w = os.dup(to_browser_r), os.dup(from_browser_w)  # never clobbered by the dup2 below
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        args = [
            chromium,
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={self.profile}",
            "about:blank",
        ]
        self.proc = subprocess.Popen(args, preexec_fn=child_fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None, timeout: float = 30) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if ready:
                chunk = os.read(self.from_browser, 1 << 20)
                if not chunk:
                    err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                    raise RuntimeError(f"Chromium closed the pipe: {err[-2000:]}")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read(deadline))
        except TimeoutError:
            pass

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def check(path: Path, chromium: str) -> list[str]:
    browser = Browser(chromium)
    problems: list[str] = []
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        loaded = False
        deadline = time.monotonic() + 60
        while not loaded and time.monotonic() < deadline:
            browser.drain(0.5)
            loaded = any(e.get("method") == "Page.loadEventFired" for e in browser.events)
        if not loaded:
            problems.append("the page did not finish loading within 60 s")
        browser.drain(1.0)
        result = browser.send("Runtime.evaluate", {"expression": CHECK, "returnByValue": True}, session=session)
        facts = json.loads(result["result"]["value"])
        print(f"browser check: {facts['images']} images ({facts['decoded']} decoded), {facts['tables']} tables, "
              f"{facts['sections']} sections, page height {facts['height']} px, title {facts['title']!r}")
        if facts["images"] == 0:
            problems.append("no images in the report")
        if facts["broken"]:
            problems.append(f"images that did not decode: {facts['broken']}")
        if facts["scripts"]:
            problems.append(f"{facts['scripts']} script elements (the report needs none)")
        for e in browser.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                problems.append(f"console {params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Runtime.exceptionThrown":
                problems.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                entry = params["entry"]
                problems.append(f"log {entry['level']} ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
            elif method == "Network.requestWillBeSent":
                url = params.get("request", {}).get("url", "")
                if not url.startswith("data:") and url != path.resolve().as_uri():
                    problems.append(f"the page requested {url[:120]} (a report must be self-contained)")
            elif method == "Network.loadingFailed":
                problems.append(f"a resource failed to load: {params.get('errorText')}")
    finally:
        browser.close()
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args()
    problems = check(args.report, args.chromium)
    for p in problems:
        print(f"browser check FAILED: {p}", file=sys.stderr)
    if not problems:
        print("browser check: no console errors, no external requests, every figure decoded")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""Feeding Pagefind in memory while the pages render, instead of running it over the finished
folder afterwards.

`search.index_site` runs `pagefind --site <folder>`: Pagefind then walks the folder and reads
and parses every HTML file once rendering is over. `IndexFeed` starts Pagefind's service mode
(`pagefind --service`, the protocol its Node and Python wrappers use: base64-encoded JSON
messages separated by commas on stdin and stdout) as soon as the build knows it will need an
index, hands it each page's HTML as soon as that page exists (no file read, no walk), and
finally asks it to write the index into the new site folder. Pagefind indexes on its own cores
while Python renders, so the index costs little more than the rendering's spare time.

Only pages that carry `data-pagefind-body` are sent: when any page has that attribute, Pagefind
indexes only such pages, so the others would be parsed for nothing. The result is the same
index the CLI writes over the same folder (a test compares them byte for byte).

Failures never fail the build: they become the same Chinese note `search.index_site` gives, and
no partial index is left.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import threading
from pathlib import Path

from .search import OUTPUT_SUBDIR, Pagefind

BODY_MARK = b"data-pagefind-body"
IN_FLIGHT = 32  # pages sent but not yet indexed; Pagefind queues whatever it is sent (14 GB at
                # province size without this bound), so the feed waits for it to catch up


class IndexFeed:
    def __init__(self, pagefind: Pagefind, site_dir: Path):
        # `--site` is where the index will be written; service mode takes its pages from us.
        self._process = subprocess.Popen(
            [str(pagefind.path), "--site", str(site_dir), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self._stderr: list[str] = []
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        self._next_id = 0
        self._responses: dict[int, dict] = {}
        self._indexed = 0  # AddFile messages Pagefind has answered
        self._errors: list[str] = []  # what Pagefind answered with "Error"
        self._pipe: list[str] = []  # failures to talk to it
        self._done = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._index: int | None = None
        self._failed = False
        reply = self._wait(self._send({"type": "NewIndex", "config": {}}))
        if reply is not None and reply.get("type") == "NewIndex":
            self._index = reply["index_id"]
        else:
            self._failed = True
        self.sent = 0

    def add(self, path: str, html: bytes) -> None:
        """Index one output file (`path` relative to the site, like the CLI's walk would find)."""
        if self._failed or not path.endswith(".html") or BODY_MARK not in html:
            return
        if self.sent - self._indexed >= IN_FLIGHT:
            try:
                self._process.stdin.flush()
            except OSError as exc:
                self._fail(f"无法向 Pagefind 发送页面：{exc}")
                return
            with self._done:
                while self.sent - self._indexed >= IN_FLIGHT and self._reader.is_alive():
                    self._done.wait(0.5)
        self._send({"type": "AddFile", "index_id": self._index, "file_path": path,
                    "file_contents": html.decode("utf-8")})
        self.sent += 1

    def write(self, site_dir: Path) -> list[str]:
        """Write the index into `site_dir/pagefind/`; returns notes (Chinese) on failure."""
        try:
            if not self._failed:
                reply = self._wait(self._send({"type": "WriteFiles", "index_id": self._index,
                                               "output_path": str(site_dir / OUTPUT_SUBDIR)}))
                if reply is not None and reply.get("type") == "WriteFiles" and not self._errors and not self._pipe \
                        and (site_dir / OUTPUT_SUBDIR / "pagefind.js").is_file():
                    return []
        finally:
            self.close()
        shutil.rmtree(site_dir / OUTPUT_SUBDIR, ignore_errors=True)
        # Pagefind's own words first; a broken pipe only says that it stopped.
        detail = "；".join(self._errors[-1:] or self._stderr[-1:] or self._pipe[-1:] or ["没有生成索引"])
        return [f"Pagefind 建立全文搜索索引失败（{detail}），本次构建没有全文搜索"]

    def close(self) -> None:
        process = self._process
        try:
            process.stdin.close()
        except OSError:
            pass  # it died already: nothing more to send
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._reader.join(timeout=10)
        if not self._reader.is_alive():
            process.stdout.close()
        self._stderr_reader.join(timeout=10)
        if not self._stderr_reader.is_alive():
            process.stderr.close()

    # --- the protocol ---------------------------------------------------------------------------

    def _send(self, payload: dict) -> int:
        self._next_id += 1
        message = json.dumps({"message_id": self._next_id, "payload": payload}, ensure_ascii=False)
        try:
            self._process.stdin.write(base64.b64encode(message.encode("utf-8")) + b",")
        except OSError as exc:
            self._fail(f"无法向 Pagefind 发送页面：{exc}")
        return self._next_id

    def _wait(self, message_id: int) -> dict | None:
        try:
            self._process.stdin.flush()
        except OSError as exc:
            self._fail(f"无法向 Pagefind 发送页面：{exc}")
            return None
        with self._done:
            while message_id not in self._responses and self._reader.is_alive():
                self._done.wait(0.5)
            return self._responses.pop(message_id, None)

    def _read(self) -> None:
        buffer = b""
        stream = self._process.stdout
        while True:
            chunk = stream.read1(1 << 16)
            if not chunk:
                break
            buffer += chunk
            *messages, buffer = buffer.split(b",")
            for raw in messages:
                try:
                    message = json.loads(base64.b64decode(raw))
                except ValueError:
                    continue
                payload = message.get("payload") or {}
                if payload.get("type") == "Error":
                    self._errors.append(str(payload.get("message", "")).strip()[:200])
                with self._done:
                    kind = payload.get("type")
                    if kind == "IndexedFile" or (kind == "Error" and self._index is not None):
                        self._indexed += 1  # an error answers a page too (and may answer WriteFiles)
                    if kind != "IndexedFile" and isinstance(message.get("message_id"), int):
                        self._responses[message["message_id"]] = payload
                    self._done.notify_all()
        with self._done:
            self._done.notify_all()

    def _read_stderr(self) -> None:
        for line in self._process.stderr:
            text = line.decode("utf-8", "replace").strip()
            if text:
                self._stderr = (self._stderr + [text[:200]])[-20:]

    def _fail(self, why: str) -> None:
        self._failed = True
        self._pipe.append(why)

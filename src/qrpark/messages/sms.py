"""SMS senders. The sandbox keeps messages in a local file and shows them at /sandbox-sms,
standing in for an SMS provider during development and tests."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any, Protocol

from qrpark.kit.outbox import Handler


class SmsSender(Protocol):
    async def send(self, to: str, text: str) -> None: ...


class SandboxSms:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, to: str, text: str) -> None:
        record = {"to": to, "text": text, "at": dt.datetime.now(dt.UTC).isoformat()}
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def messages(self, to: str | None = None) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        with self._lock:
            rows = [
                json.loads(line)
                for line in self.path.read_text(encoding="utf-8").splitlines()
                if line
            ]
        return [r for r in rows if to is None or r["to"] == to]


SMS_TOPIC = "messages.sms"


def handlers(sender: SmsSender) -> dict[str, Handler]:
    async def sms(payload: dict[str, Any]) -> None:
        await sender.send(str(payload["to"]), str(payload["text"]))

    return {SMS_TOPIC: sms}

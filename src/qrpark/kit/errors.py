"""Named errors with a status code. One handler renders JSON for the API and a page for people."""

from __future__ import annotations

from typing import Any, ClassVar


class QrparkError(Exception):
    """Base for every error a user or client can cause. Never a bare 500 for their mistake."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    # Human messages in both languages; ``message`` may be formatted with ``params``.
    message_en: ClassVar[str] = "The request could not be handled."
    message_ko: ClassVar[str] = "요청을 처리할 수 없습니다."

    def __init__(self, detail: str | None = None, **params: Any) -> None:
        self.detail = detail
        self.params = params
        super().__init__(detail or self.message_en.format(**params))

    def message(self, locale: str) -> str:
        template = self.message_ko if locale == "ko" else self.message_en
        try:
            return template.format(**self.params)
        except (KeyError, IndexError):
            return template

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.code, "message": self.message("en")}
        if self.detail:
            body["detail"] = self.detail
        return body


class NotFound(QrparkError):
    status_code = 404
    code = "not_found"
    message_en = "Not found."
    message_ko = "찾을 수 없습니다."


class Conflict(QrparkError):
    status_code = 409
    code = "conflict"
    message_en = "This conflicts with the current state."
    message_ko = "현재 상태와 충돌합니다."


class Unauthorized(QrparkError):
    status_code = 401
    code = "unauthorized"
    message_en = "Authentication is required."
    message_ko = "인증이 필요합니다."


class Forbidden(QrparkError):
    status_code = 403
    code = "forbidden"
    message_en = "You are not allowed to do this."
    message_ko = "권한이 없습니다."


class InvalidInput(QrparkError):
    status_code = 422
    code = "invalid_input"
    message_en = "The input is not valid."
    message_ko = "입력이 올바르지 않습니다."

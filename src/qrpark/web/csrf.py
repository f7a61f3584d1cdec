"""CSRF protection for forms: a random token in a cookie that the form must repeat."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from qrpark.kit.errors import Forbidden

COOKIE = "qrpark_csrf"


class CsrfFailed(Forbidden):
    code = "csrf_failed"
    message_en = "This form has expired. Go back, reload the page and try again."
    message_ko = "양식이 만료되었습니다. 뒤로 가서 새로고침한 뒤 다시 시도하세요."


def token_for(request: Request) -> str:
    """The token to put in the form: the cookie's, or a new one (set it with ``remember``)."""
    existing = request.cookies.get(COOKIE, "")
    return existing if len(existing) == 43 else secrets.token_urlsafe(32)


def remember(response: Response, token: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="strict", secure=secure, max_age=6 * 3600
    )


def check(request: Request, submitted: str) -> None:
    cookie = request.cookies.get(COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise CsrfFailed

"""Korean and English texts for the pages, and choosing the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

LOCALES = ("ko", "en")

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "ko": {
        "lang_name": "한국어",
        "other_lang": "English",
        "skip": "본문으로 건너뛰기",
        "operator": "운영사",
        "lot": "주차장",
        "area": "주차 구역",
        "location": "위치",
        "level": "층",
        "zone": "구역",
        "space": "주차면",
        "map": "지도에서 보기",
        "tariff": "요금",
        "opening_hours": "운영 시간",
        "kind.on_street": "노상 주차장",
        "kind.off_street": "노외 주차장",
        "kind.indoor": "실내 주차장",
        "gated": "차단기 있음",
        "gateless": "차단기 없음",
        "verified": "qrpark가 확인한 정식 안내판입니다.",
        "no_tariff": "아직 요금표가 없습니다. 운영사에 문의하세요.",
        "sign_bad_title": "확인되지 않은 QR 코드",
        "sign_bad_body": (
            "이 QR 코드는 주차장 운영사가 발급한 것이 아니거나 변조되었습니다. "
            "결제 정보를 입력하지 마세요."
        ),
        "sign_bad_action": "주차장 관리자에게 알리거나 다른 안내판의 QR 코드를 스캔하세요.",
        "sign_unknown_title": "없는 주차 구역",
        "sign_unknown_body": "이 QR 코드의 주차 구역을 찾을 수 없습니다. 결제 정보를 입력하지 마세요.",
        "error_title": "문제가 발생했습니다",
        "sheet_scan": "QR 코드를 스캔하여 주차 등록",
        "sheet_steps": "휴대폰 카메라로 스캔 → 전화번호·차량번호·결제수단 입력 → 출차 시 자동 결제",
        "sheet_check": "주소창의 도메인을 확인하세요",
    },
    "en": {
        "lang_name": "English",
        "other_lang": "한국어",
        "skip": "Skip to content",
        "operator": "Operator",
        "lot": "Car park",
        "area": "Parking area",
        "location": "Location",
        "level": "Level",
        "zone": "Zone",
        "space": "Space",
        "map": "Open in a map",
        "tariff": "Price",
        "opening_hours": "Opening hours",
        "kind.on_street": "On-street parking",
        "kind.off_street": "Off-street car park",
        "kind.indoor": "Indoor car park",
        "gated": "Barrier at the exit",
        "gateless": "No barrier",
        "verified": "This is a genuine sign, verified by qrpark.",
        "no_tariff": "No tariff has been set yet. Please contact the operator.",
        "sign_bad_title": "This QR code could not be verified",
        "sign_bad_body": (
            "This QR code was not issued by the car park's operator, or it has been altered. "
            "Do not enter any payment details."
        ),
        "sign_bad_action": "Tell the car park staff, or scan the code on another official sign.",
        "sign_unknown_title": "Unknown parking area",
        "sign_unknown_body": (
            "The parking area of this QR code does not exist. Do not enter any payment details."
        ),
        "error_title": "Something went wrong",
        "sheet_scan": "Scan to register your parking",
        "sheet_steps": (
            "Scan with your phone camera → enter phone, vehicle number and card → "
            "pay automatically when you leave"
        ),
        "sheet_check": "Check the web address",
    },
}


def negotiate(query: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    """Explicit choice first (query, then cookie), then the browser's languages, then ``default``."""
    for choice in (query, cookie):
        if choice in LOCALES:
            return choice
    if accept:
        ranked: list[tuple[float, int, str]] = []
        for index, part in enumerate(accept.split(",")):
            lang, _, params = part.strip().partition(";")
            q = 1.0
            if params.strip().startswith("q="):
                try:
                    q = float(params.strip()[2:])
                except ValueError:
                    q = 0.0
            base = lang.split("-")[0].lower()
            if base in LOCALES and q > 0:
                ranked.append((-q, index, base))
        if ranked:
            return sorted(ranked)[0][2]
    return default


def translator(locale: str) -> Mapping[str, str]:
    return MESSAGES[locale if locale in LOCALES else "en"]

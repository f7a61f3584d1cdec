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
        "entry_title": "주차 등록",
        "phone": "휴대폰 번호",
        "phone_hint": "입차 안내와 출차 영수증을 문자로 보내 드립니다.",
        "plate": "차량 번호",
        "plate_hint": "예: 12가3456, 서울12가3456",
        "card_new": "새 카드 등록 (결제대행사 화면)",
        "card_saved": "이 번호로 저장된 카드 사용 (문자 인증)",
        "payment_method": "결제 수단",
        "consent": "이용약관과 개인정보 처리방침(전화번호·차량번호는 주차 요금 정산에만 쓰이며 90일 후 삭제)에 동의합니다.",
        "submit_entry": "입차 등록",
        "errors_title": "입력 내용을 확인해 주세요",
        "phone.format": "전화번호 형식이 아닙니다.",
        "phone.invalid": "존재하지 않는 전화번호입니다.",
        "phone.not_mobile": "문자를 받을 수 있는 휴대폰 번호를 입력하세요.",
        "plate.empty": "차량 번호를 입력하세요.",
        "plate.too_long": "차량 번호가 너무 깁니다.",
        "plate.serial": "차량 번호의 마지막 네 자리를 확인하세요.",
        "plate.letter": "번호판에 쓰이지 않는 글자입니다.",
        "plate.format": "차량 번호 형식이 아닙니다 (예: 12가3456).",
        "plate.foreign_format": "차량 번호는 영문과 숫자 2~10자여야 합니다.",
        "plate.region_with_three_digits": "지역명이 있는 번호판은 앞 숫자가 두 자리입니다.",
        "consent.required": "동의해야 주차를 등록할 수 있습니다.",
        "parked_title": "이미 주차 중인 차량입니다",
        "parked_body": "이 차량 번호로 끝나지 않은 주차가 있습니다. 본인 차량이면 등록된 휴대폰으로 주차 링크를 다시 보내 드립니다.",
        "parked_send": "주차 링크 다시 받기",
        "parked_sent": "등록된 휴대폰으로 링크를 보냈습니다.",
        "code_title": "인증번호 입력",
        "code_body": "{phone}(으)로 보낸 6자리 인증번호를 입력하세요.",
        "code": "인증번호",
        "code_submit": "확인",
        "welcome": "입차가 등록되었습니다. 문자로 안내를 보냈습니다.",
        "your_car": "내 차 위치",
        "entered": "입차",
        "exited": "출차",
        "elapsed": "주차 시간",
        "fee_now": "현재 요금",
        "fee_final": "최종 요금",
        "fee_detail": "요금 내역",
        "payments": "결제 내역",
        "no_payments": "아직 결제된 금액이 없습니다.",
        "leave": "출차하기",
        "proxy_qr": "대리결제 QR 보여주기",
        "confirm_exit_title": "출차하시겠습니까?",
        "confirm_exit_body": "지금 출차하면 요금 {fee}이(가) 등록된 카드로 결제됩니다.",
        "confirm_exit": "출차 확인",
        "cancel": "취소",
        "receipt": "영수증",
        "covered_proxy": "대리결제",
        "covered_merchant": "가맹점 지원",
        "charged_card": "카드 결제",
        "owed": "미납 금액",
        "unpaid_body": "등록된 카드 결제가 거절되었습니다. 다른 카드로 결제해 주세요. 정해진 일정에 따라 다시 시도합니다.",
        "pay_now": "다른 카드로 결제",
        "intent.succeeded": "완료",
        "intent.pending": "결제 중",
        "intent.failed": "거절",
        "intent.ambiguous": "확인 중",
        "intent.refunded": "환불됨",
        "status.active": "주차 중",
        "status.closed": "결제 처리 중",
        "status.paid": "결제 완료",
        "status.unpaid": "미납",
        "updating": "요금은 자동으로 갱신됩니다.",
        "refresh": "새로고침",
        "over_max": "최대 주차 시간을 넘었습니다.",
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
        "entry_title": "Register your parking",
        "phone": "Mobile phone number",
        "phone_hint": "We text you the entry confirmation and the receipt.",
        "plate": "Vehicle number",
        "plate_hint": "e.g. 12가3456, 서울12가3456",
        "card_new": "Register a card (on the payment company's page)",
        "card_saved": "Use the card saved for this number (code by SMS)",
        "payment_method": "Payment method",
        "consent": "I agree to the terms and the privacy notice (phone and vehicle number are used only to settle parking and are deleted after 90 days).",
        "submit_entry": "Start parking",
        "errors_title": "Please check what you entered",
        "phone.format": "This is not a phone number.",
        "phone.invalid": "This phone number does not exist.",
        "phone.not_mobile": "Enter a mobile number that can receive text messages.",
        "plate.empty": "Enter the vehicle number.",
        "plate.too_long": "The vehicle number is too long.",
        "plate.serial": "Check the last four digits of the vehicle number.",
        "plate.letter": "That letter is not used on Korean plates.",
        "plate.format": "This is not a vehicle number (e.g. 12가3456).",
        "plate.foreign_format": "Use 2-10 letters and digits.",
        "plate.region_with_three_digits": "Plates with a region name have two digits before the letter.",
        "consent.required": "You must agree to register your parking.",
        "parked_title": "This vehicle is already parked",
        "parked_body": "There is a parking session for this vehicle number that has not ended. If it is yours, we can text the link again to the phone registered with it.",
        "parked_send": "Send me the link again",
        "parked_sent": "We sent the link to the registered phone.",
        "code_title": "Enter your code",
        "code_body": "Enter the 6-digit code we texted to {phone}.",
        "code": "Code",
        "code_submit": "Confirm",
        "welcome": "Your parking is registered. We texted you the details.",
        "your_car": "Your car",
        "entered": "Entered",
        "exited": "Left",
        "elapsed": "Time parked",
        "fee_now": "Fee so far",
        "fee_final": "Final fee",
        "fee_detail": "How the fee is made",
        "payments": "Payments",
        "no_payments": "Nothing has been paid yet.",
        "leave": "I'm leaving",
        "proxy_qr": "Show proxy payment QR",
        "confirm_exit_title": "Leave now?",
        "confirm_exit_body": "If you leave now, {fee} will be charged to your registered card.",
        "confirm_exit": "Yes, I'm leaving",
        "cancel": "Cancel",
        "receipt": "Receipt",
        "covered_proxy": "Paid by others",
        "covered_merchant": "Covered by shops",
        "charged_card": "Charged to your card",
        "owed": "Still owed",
        "unpaid_body": "Your registered card was declined. Please pay with another card; we will also try again on a schedule.",
        "pay_now": "Pay with another card",
        "intent.succeeded": "succeeded",
        "intent.pending": "in progress",
        "intent.failed": "declined",
        "intent.ambiguous": "being confirmed",
        "intent.refunded": "refunded",
        "status.active": "Parked",
        "status.closed": "Payment in progress",
        "status.paid": "Paid",
        "status.unpaid": "Unpaid",
        "updating": "The fee updates by itself.",
        "refresh": "Refresh",
        "over_max": "You have stayed longer than the maximum.",
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

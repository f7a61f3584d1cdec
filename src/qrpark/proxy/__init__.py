"""Proxy payment: the driver's screen shows a QR, and anyone who scans it can pay part or all of
the fee from their own phone, capped, live, and settled against the real fee at exit."""

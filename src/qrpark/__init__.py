"""qrpark: gateless, ticketless parking by signed QR signs and CCTV, with proxy payment."""

__version__ = "0.1.0"

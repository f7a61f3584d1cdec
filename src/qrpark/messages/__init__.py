"""Messages to drivers and payers (SMS for now), always sent from the outbox."""

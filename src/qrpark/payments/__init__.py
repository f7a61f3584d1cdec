"""Payments: gateways (sandbox, PortOne, Stripe), payment methods, intents, refunds, webhooks."""

"""Signed webhooks: subscriptions, an outbox of deliveries, and the workers that send them."""

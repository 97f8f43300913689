-- Webhook events whose processing stopped too often (5 attempts, WEBHOOK_MAX_ATTEMPTS in the
-- code): each claim marks them failed first, and would otherwise read every waiting event to
-- find them. Empty in normal operation. The predicate is repeated word for word by that query.
CREATE INDEX webhook_events_exhausted ON webhook_events(claimed_until) WHERE status = 'received' AND attempts >= 5;

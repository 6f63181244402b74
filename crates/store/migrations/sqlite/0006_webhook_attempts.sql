-- What the last delivery attempt of each webhook event came to (GET /jobs/{id}/webhook-deliveries).
ALTER TABLE webhook_outbox ADD COLUMN response_status INTEGER;
ALTER TABLE webhook_outbox ADD COLUMN last_error TEXT;
ALTER TABLE webhook_outbox ADD COLUMN delivered_at TEXT;
CREATE INDEX webhook_outbox_due ON webhook_outbox(status, next_attempt_at);

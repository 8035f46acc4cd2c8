"""What finance systems use: API tokens, idempotent POSTs, webhooks and the queue of
issued invoices."""

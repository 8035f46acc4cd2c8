"""Business rules. Services add and flush, never commit: the view, API handler or CLI commits."""

"""What every domain stands on: the email outbox and its templates, the audit log,
settings, labels, validators, paging, backup and the demo data."""

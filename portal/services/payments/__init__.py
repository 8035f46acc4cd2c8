"""Online payment: contacts pay (part of) an invoice at a payment provider.

* :mod:`.provider` - the small interface every provider implements (open a checkout for an
  amount; verify and read a webhook event) and the configured provider;
* :mod:`.stripe_provider` - Stripe Checkout Sessions through the official ``stripe`` library;
* :mod:`.checkout` - the amount a contact may pay and one checkout per attempt (idempotent);
* :mod:`.events` - a verified provider event becomes a payment or a refund exactly once, with
  the receipt email;
* :mod:`.receipts` - a contact's payments, the receipt PDF and the receipt email.
"""

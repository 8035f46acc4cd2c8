"""What the admin and the portal blueprints share: request hooks, forms, responses,
safe redirects, sign-in rate limits, fragments and the shared flows. Never imports
``portal.admin``, ``portal.clients`` or ``portal.api``."""

"""What a signed-in user may see: the scoped queries for staff (``view_own``) and for
contacts of the portal."""

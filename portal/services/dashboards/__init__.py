"""The figures of the admin and the portal dashboards."""

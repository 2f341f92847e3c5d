"""The JSON API's routers, one per audience: caseworkers, agencies, managers (and the health check)."""

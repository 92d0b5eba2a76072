"""The web app: server-rendered pages, the REST API (/api/v1) and OGC API - Features (/ogc)."""

"""Live OpenAPI 3 documentation of the configured endpoints, built from the compiled endpoints."""

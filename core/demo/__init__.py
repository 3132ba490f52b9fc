"""Demo data for the commerce schema: reference data and a generated, seeded product catalogue."""

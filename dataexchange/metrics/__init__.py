"""Prometheus metrics of the API: what it served, per endpoint, across every worker process.

`instruments` defines the metrics and records each request; `collectors` reads the figures that
live in the database (the job queue) at scrape time; `views` serves `/metrics` to a superuser or
the configured scrape credential. See docs/metrics.md.
"""

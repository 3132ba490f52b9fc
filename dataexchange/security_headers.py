"""Send a Content-Security-Policy with every HTML page (the admin, Swagger UI, Redoc).

The policy is `settings.SECURE_CSP`, a dict of directive → list of sources, the shape Django 6.0
reads for its own CSP middleware, so that one can replace this one without a settings change.
JSON answers of the API are left alone: a browser never renders them as a page.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"
# Scripts only from this site: no inline scripts, event-handler attributes or eval. Swagger UI
# and Redoc inject <style> elements, so styles allow inline; Redoc's search runs in a blob worker.
DEFAULT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_header(policy):
    """Return the header value of a policy dict: `directive source source; …`."""
    return "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())


def is_html(response):
    """Return whether `response` is a page a browser renders as HTML."""
    return response.get("Content-Type", "").startswith("text/html")


class ContentSecurityPolicyMiddleware:
    """Add the policy to HTML responses that do not set their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_html(response) and HEADER not in response:
            response[HEADER] = policy_header(getattr(settings, "SECURE_CSP", DEFAULT_POLICY))
        return response

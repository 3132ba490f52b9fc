"""A bearer-token GET in one round trip: the credential and the row (or page) in one statement.

A GET of one row or of a page needs two things from the database: who the token belongs to
(with the configuration and grants versions, `AccessToken.find_access`) and the rows. Neither
depends on the other's answer, so on a database with lateral joins (PostgreSQL) they are read
together (`AccessToken.find_access_with`): the rows are planned ahead on the configuration this
process served last, the statement returns the credential and the rows, and only then is the
request
judged exactly as the regular path judges it — the token (403/401 as `BearerTokenAuthentication`
answers), the configuration version (the row is thrown away and read again if it changed), the
throttles, the permissions (`engine.serve.serve_read_ahead`: `view` on the endpoint and on what
`include` reaches). Nothing read is answered before those checks pass; nothing is written.
Included relations and a requested count are read after, as on the regular path.

Every other request, and any GET this cannot plan ahead (no token, an API key, forced test
credentials, read replicas, a streamed export, an endpoint not compiled yet, parameters the
planner refuses), takes the regular path (`api.views`), which answers everything alike.
"""

from rest_framework.settings import api_settings

from dataexchange import registry, replicas
from dataexchange.api.credentials import check_throttles
from dataexchange.api.request import api_request_from
from dataexchange.api.responses import http_response
from dataexchange.auth.authentication import (
    API_KEY_HEADER,
    API_KEY_PARAM,
    CHALLENGE,
    ApiKeyAuthentication,
    BearerTokenAuthentication,
)
from dataexchange.auth.models import AccessToken
from dataexchange.engine.execute.read import page_statement, row_statement
from dataexchange.engine.plan.read_plan import plan_read
from dataexchange.engine.query.dialects import dialect
from dataexchange.engine.serve import serve_read_ahead
from dataexchange.errors import ApiException, Code, make_error


def read_ahead(view, caller, alias, entity_id, media):
    """Return the response of a GET of a row or a page served in one statement, or None when the
    request takes the regular path (see above). The caller may be authenticated on return
    (`caller.user` set) even then: the view does not authenticate it twice."""
    raw = bearer_token(caller)
    if raw is None or (media is not None and media.is_stream):
        return None
    snapshot = registry.latest()
    endpoint = snapshot.compiled(alias) if snapshot is not None else None
    if endpoint is None:
        return None
    try:
        api_request = api_request_from(caller, alias, entity_id, media)
        plan = plan_read(snapshot, endpoint, api_request.query, paged=entity_id is None)
    except ApiException:
        return None  # answered after authentication, by the regular path
    statement = page_statement(plan) if entity_id is None else row_statement(plan, entity_id)
    if statement is None:
        return None
    token, rows = AccessToken.objects.find_access_with(raw, *statement)
    if token is None or not token.user.is_active:
        raise ApiException(make_error(Code.INVALID_TOKEN), headers=CHALLENGE)
    caller._user, caller._auth = token.user, token
    caller._request.user = token.user
    if token.config_version != snapshot.version:
        return None  # the configuration changed: planned again on the new one
    check_throttles(caller, view)
    api_request.caller.user, api_request.caller.auth = token.user, token
    view.endpoint = endpoint
    return http_response(serve_read_ahead(api_request, snapshot, endpoint, plan, rows))


def bearer_token(caller):
    """Return the raw bearer token of a GET that can be read ahead, else None."""
    if caller.method != "GET" or not dialect().lateral_join:
        return None
    meta = caller.META
    header = meta.get("HTTP_AUTHORIZATION")
    if header is None or API_KEY_HEADER in meta or API_KEY_PARAM in meta.get("QUERY_STRING", ""):
        return None
    parts = header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer" or not bearer_decides(caller):
        return None
    if replicas.replica_aliases():
        return None
    return parts[1]


def bearer_decides(caller):
    """Return whether the configured authentication would settle this request by its bearer
    token: the token class is configured, only the API key class (no key here) comes before
    it, and no test forced credentials."""
    request = caller._request
    if getattr(request, "_force_auth_user", None) or getattr(request, "_force_auth_token", None):
        return False
    for cls in api_settings.DEFAULT_AUTHENTICATION_CLASSES:
        if cls is BearerTokenAuthentication:
            return True
        if cls is not ApiKeyAuthentication:
            return False
    return False

"""The change feed route: `GET /changes/<alias>?after=<cursor>&limit=<n>[&wait=<seconds>]`.

Policy as on the entity routes (the same credential and throttle classes, the one error
handler, `view` permission on the endpoint), then the feed pipeline:

    credentials ─▶ throttles ─▶ endpoint, tracked and active (007) ─▶ view (1404)
      ─▶ after/limit/wait (1429, 1430) ─▶ sequence ─▶ page (1428), waiting when asked
      ─▶ rows of the page in one query ─▶ {"data": [...], "nextCursor": "..."}
"""

from django.utils.decorators import classonlymethod
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from dataexchange import registry
from dataexchange.api.credentials import CredentialRequest, authenticate, check_throttles
from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.responses import json_response
from dataexchange.changes.feed import read_page, sequence_pending
from dataexchange.changes.params import feed_query
from dataexchange.changes.rows import feed_items
from dataexchange.changes.waiting import wait_for
from dataexchange.engine.plan.reach import check_reach
from dataexchange.errors import Code, fail


class ChangeFeedView(View):
    """Serve `/changes/<alias>`: the tracked endpoint's changes after a cursor, in order."""

    http_method_names = ["get", "head"]

    @classonlymethod
    def as_view(cls, **initkwargs):
        view = csrf_exempt(super().as_view(**initkwargs))
        view.cls = cls
        return view

    def dispatch(self, request, alias):
        caller = CredentialRequest(request)
        try:
            if request.method not in ("GET", "HEAD"):
                fail(Code.NOT_FOUND)
            return self.answer(caller, alias)
        except Exception as exc:
            return api_exception_handler(exc)

    def answer(self, caller, alias):
        authenticate(caller)
        check_throttles(caller, self)
        snapshot = registry.snapshot()
        endpoint = snapshot.get(alias)
        if endpoint is None or not endpoint.track_changes:
            fail(Code.NOT_FOUND)
        check_reach(caller, snapshot, endpoint, "GET")
        query = feed_query(caller.query_params)
        wait = query.wait if query.limit else 0  # limit=0 asks for the cursor only
        page = wait_for(lambda: changes_page(endpoint, query), wait)
        payload = {
            "data": feed_items(endpoint, page.entries),
            "nextCursor": str(page.next_position),
        }
        return json_response(payload)


def changes_page(endpoint, query):
    """Number what has committed, then read the page of `query`."""
    sequence_pending()
    return read_page(endpoint.table, query.after, query.limit)

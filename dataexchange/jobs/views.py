"""The jobs routes: `GET`/`DELETE /jobs/<id>` and `GET /jobs/<id>/results`.

Policy as the entity routes have it (credentials, throttles, the one error handler); a job is
visible to its creator and to superusers only, everyone else gets 007 as for a job that does not
exist, so that a job id tells nothing about whose it is.
"""

from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from dataexchange.api.exceptions import api_exception_handler
from dataexchange.api.responses import http_response, json_response
from dataexchange.engine.parse.media import negotiate
from dataexchange.errors import Code, fail
from dataexchange.jobs.models import Job
from dataexchange.jobs.representation import job_document
from dataexchange.jobs.results import page_params, results_page, results_result
from dataexchange.jobs.services import job_cancel


class JobViewBase(APIView):
    """Credentials, throttles and errors as on the entity routes; the job of the URL."""

    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]
    throttle_classes = api_settings.DEFAULT_THROTTLE_CLASSES
    parser_classes = ()

    def get_exception_handler(self):
        return api_exception_handler

    def perform_content_negotiation(self, request, force=False):
        return None, None

    def job(self, request, job_id):
        """Return the job `job_id` if the caller may see it; raise 007 otherwise."""
        job = Job.objects.visible_to(request.user).filter(pk=job_id).first()
        if job is None:
            fail(Code.NOT_FOUND)
        return job


class JobView(JobViewBase):
    """`GET /jobs/<id>`: status, counts, timings; `DELETE`: cancel between chunks."""

    http_method_names = ["get", "delete", "head"]

    def get(self, request, job_id):
        return json_response(job_document(self.job(request, job_id)))

    def delete(self, request, job_id):
        return json_response(job_document(job_cancel(job=self.job(request, job_id))))


class JobResultsView(JobViewBase):
    """`GET /jobs/<id>/results`: a JSON page (`page[offset]`, `page[limit]`), or every result
    streamed as NDJSON or CSV by `Accept`."""

    http_method_names = ["get", "head"]

    def get(self, request, job_id):
        chosen = negotiate(request.META.get("HTTP_ACCEPT", ""), streamable=True)
        if chosen is None:
            fail(Code.UNSUPPORTED_ACCEPT)
        job = self.job(request, job_id)
        if chosen.is_stream:
            return http_response(results_result(job, chosen))
        return http_response(results_page(job, *page_params(request.query_params)))

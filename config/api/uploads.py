"""Multipart uploads in the API: refused as early as their size is known."""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from config.api.parsers import FormParser, MultiPartParser
from config.uploads import too_large

# Room for the multipart boundaries and the small form fields around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


class UploadSizeLimit(FileUploadHandler):
    """Stops reading an uploaded file once it passes the limit, whatever Content-Length claimed."""

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


class LimitedUploadMixin:
    """Multipart uploads of at most ARTIFACT_MAX_BYTES, refused as early as the size is known."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        # Refuse an announced oversize upload before anything (authentication included) reads the body.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.ARTIFACT_MAX_BYTES
        if length > limit + MULTIPART_OVERHEAD:
            raise too_large(limit, content_length=length)
        super().initial(request, *args, **kwargs)

    def upload_data(self, request):
        """The parsed form, reading the file no further than the limit, whatever Content-Length claimed."""
        limit = settings.ARTIFACT_MAX_BYTES
        guard = UploadSizeLimit(request._request, limit=limit)
        request._request.upload_handlers.insert(0, guard)
        data = request.data  # reads the upload
        if guard.exceeded:
            raise too_large(limit)
        return data

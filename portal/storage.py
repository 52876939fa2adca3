"""Private file storage: uploads and generated files outside the web root.

Files here are never served by the web server; views stream them after a permission check.
The location is read from ``STORAGES["private"]["OPTIONS"]["location"]`` (``PRIVATE_MEDIA_ROOT``)
each time it is used, so a test that overrides ``STORAGES`` really writes elsewhere, even though
Django evaluates a FileField's storage callable once, when the models are imported.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    @property
    def base_location(self):
        return settings.STORAGES["private"]["OPTIONS"]["location"]

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def private_storage():
    """Callable for ``FileField(storage=...)``."""
    return PrivateFileSystemStorage()

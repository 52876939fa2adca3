"""Private file storage: uploads and generated files outside the web root.

Files here are never served by the web server; views stream them after a permission check.
"""

from django.core.files.storage import storages


def private_storage():
    """Callable for ``FileField(storage=...)`` so that tests can override STORAGES."""
    return storages["private"]

"""Destinations: where a generation's result goes, and how stored results are read back.

One module per destination — :mod:`~sdga.destinations.local`, :mod:`~sdga.destinations.s3`,
:mod:`~sdga.destinations.inline`, :mod:`~sdga.destinations.rds` — each a :class:`Destination` subclass
(and, for a new kind of location, a :class:`StoredFiles` reader), registered below by kind. Adding a
destination = one module and one ``DESTINATIONS.register`` line; the service does not change. Its kind
is also named in :class:`sdga.models.DestinationType`, the public contract the OpenAPI documents list.
"""

from sdga.destinations.base import Destination, DestinationContext, Staged, StoredFiles
from sdga.destinations.inline import InlineDestination
from sdga.destinations.local import LocalDestination, LocalFiles
from sdga.destinations.paths import PathPolicy
from sdga.destinations.rds import RdsDestination
from sdga.destinations.registry import DestinationRegistry, Destinations, scheme_of
from sdga.destinations.s3 import S3Destination, S3Files
from sdga.destinations.stored import DownloadStream, media_type, stream_zip

DESTINATIONS = DestinationRegistry()
for _destination in (LocalDestination, S3Destination, InlineDestination, RdsDestination):
    DESTINATIONS.register(_destination)
DESTINATIONS.register_files(LocalFiles)
DESTINATIONS.register_files(S3Files)

__all__ = [
    "DESTINATIONS",
    "Destination",
    "DestinationContext",
    "DestinationRegistry",
    "Destinations",
    "DownloadStream",
    "PathPolicy",
    "Staged",
    "StoredFiles",
    "media_type",
    "scheme_of",
    "stream_zip",
]

"""The exceptions wirecrawl raises on purpose.

::

    WirecrawlError            anything the CLI turns into a message and an exit code
    ├── SeedFormatError       a text has no title or no body to make an article from
    ├── InputFileError        a local file cannot be read (names the file, says why)
    ├── OptionError           a command-line value cannot be read (names the option)
    ├── StoreError            the SQLite store cannot be opened, migrated or written
    │   └── IndexMismatchError  the dedup index was built with other parameters
    └── FeedError             a feed cannot be fetched or parsed

Each message says what happened and, where there is one, what to do about it.
"""

from __future__ import annotations


class WirecrawlError(Exception):
    """Base of every error wirecrawl raises on purpose."""

    #: Process exit code the CLI uses for this error.
    exit_code = 1


class SeedFormatError(WirecrawlError):
    """A text cannot be read as an article: it has no title or no body."""


class InputFileError(WirecrawlError):
    """A local input file cannot be read; the message names the file."""


class OptionError(WirecrawlError):
    """A value given on the command line cannot be read; the message names the option."""


class StoreError(WirecrawlError):
    """The store cannot be opened, upgraded or written."""

    exit_code = 2


class IndexMismatchError(StoreError):
    """The persisted dedup index was built with parameters this version does not use."""


class FeedError(WirecrawlError):
    """A feed cannot be fetched or parsed."""

"""The kinds of file an import takes, by their machine key (the ``careplan ingest`` argument, the import
page's choice, ``import_batches.kind``). Light on purpose: the CLI parses its arguments with it before any
library is loaded. What each kind reads, checks and stores: ``analytics.ingest.kinds``."""
from __future__ import annotations

FILE_KINDS = ("offices", "registrations", "exchanges", "profiles", "cpds")

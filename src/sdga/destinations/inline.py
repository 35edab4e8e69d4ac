"""The ``inline`` destination: the first rows of every table in the response itself.

The rows are capped by count (``SDGA_INLINE_MAX_ROWS`` per table) and by JSON size
(``SDGA_INLINE_MAX_BYTES``), with a warning when cut; the whole result is still kept in the deployment's
store, so it can be downloaded by generation id.
"""

from __future__ import annotations

import json
from typing import Any

from sdga.adapters.storage import Published
from sdga.destinations.base import Destination, Staged


class InlineDestination(Destination):
    kind = "inline"

    def sample_rows(self) -> int:
        return self.settings.inline_max_rows

    def publish(self, staged: Staged) -> Published:
        self._inline_rows(staged)
        return self.publish_to_store(staged)

    def _inline_rows(self, staged: Staged) -> None:
        """First rows of every table into the response, capped by rows and by JSON size."""
        response = staged.response
        max_rows = self.settings.inline_max_rows
        budget = self.settings.inline_max_bytes
        data: dict[str, list[dict[str, Any]]] = {}
        truncated = False
        tables = staged.sample()
        for table in staged.plan.tables:
            rows = tables[table.name].slice(0, max_rows).to_pylist()
            if response.records_per_table.get(table.name, 0) > len(rows):
                truncated = True
            encoded = [len(json.dumps(r, default=str)) + 1 for r in rows]
            keep = 0
            for size in encoded:
                if budget - size < 0:
                    truncated = True
                    break
                budget -= size
                keep += 1
            data[table.name] = rows[:keep]
        response.data = data
        if truncated:
            response.warnings.append(
                f"inline data truncated to at most {max_rows} rows per table and {self.settings.inline_max_bytes} "
                "bytes; download the full result by generation_id"
            )

"""XML writer: a well-formed UTF-8 document, one ``<record>`` element per row.

Layout::

    <?xml version="1.0" encoding="UTF-8"?>
    <users xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      <record><id>1</id><name>Ann</name><address><city>Leeds</city></address>
        <tags><item>a</item><item>b</item></tags><note xsi:nil="true"/></record>
    </users>

Structs become nested elements, lists repeated ``<item>`` elements, null an ``xsi:nil`` element (distinct
from an empty string, which is an empty element). Table and column names are made valid XML names
(characters that are not allowed become ``_``; a name starting with a digit or "xml" gets a ``_`` prefix;
clashes get a numeric suffix). Characters XML 1.0 cannot carry at all (most C0 controls) become U+FFFD;
a carriage return is kept as ``&#13;``.
"""

from __future__ import annotations

import pyarrow as pa

from sdga.writers._encode import Part, concat, write_concat, xml_name, xml_parts
from sdga.writers.base import TableWriter

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


class XmlWriter(TableWriter):
    extension = "xml"
    record_tag = "record"

    def _write_header(self) -> None:
        self._root = xml_name(self.table.name)
        used: set[str] = set()
        self._tags = [xml_name(field.name, used) for field in self.table.arrow_schema]
        self.stream.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{self._root} xmlns:xsi="{XSI_NS}">\n'.encode())

    def _write(self, batch: pa.RecordBatch) -> None:
        tags = self._tags if len(self._tags) == batch.num_columns else self._batch_tags(batch)
        parts: list[Part] = [f"  <{self.record_tag}>"]
        for column, tag in zip(batch.columns, tags, strict=True):
            parts += xml_parts(column, tag)
        parts.append(f"</{self.record_tag}>\n")
        write_concat(self.stream, concat(parts, batch.num_rows))

    @staticmethod
    def _batch_tags(batch: pa.RecordBatch) -> list[str]:
        used: set[str] = set()
        return [xml_name(name, used) for name in batch.schema.names]

    def _write_footer(self) -> None:
        self.stream.write(f"</{self._root}>\n".encode())

"""Quality metrics, fidelity against a reference, and schema inference from a sample.

``calculate_quality_metrics`` measures a generated data set; ``compare_to_reference`` scores it against
real data with SDMetrics' definitions (column shapes, column pair trends, privacy); ``infer_schema``
learns a schema the engine can generate from, without copying any personal value.
"""

from sdga.quality.fidelity import compare_to_reference
from sdga.quality.infer import infer_schema, schema_document
from sdga.quality.io import read_data
from sdga.quality.metrics import calculate_quality_metrics

__all__ = ["calculate_quality_metrics", "compare_to_reference", "infer_schema", "read_data", "schema_document"]

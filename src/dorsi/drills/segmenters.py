"""Which segmenter counts a drill: one factory per catalogue ``signal``.

A drill on an existing signal needs only its catalogue entry; a new kind of movement is one
segmenter (the Segmenter protocol in segment.py) and one line here.
"""

from __future__ import annotations

from dorsi.drills import cyclic, excursion, vertical
from dorsi.drills.segment import SegmenterFactory

SEGMENTERS: dict[str, SegmenterFactory] = {
    "inclination": excursion.drives,
    "matrix": excursion.matrix,
    "oscillation": cyclic.rocks,
    "circle": cyclic.circles,
    "vertical": vertical.raises,
}

"""Drills: catalogue, rep segmentation, quality scores. Pure: no Qt, BLE or files."""

# Drill ids the product knows (the catalogue in dorsi.drills.catalog carries their details).
DRILL_IDS: tuple[str, ...] = (
    "knee-to-wall",
    "wall-test-half-kneeling",
    "banded-mobilization",
    "banded-distraction",
    "knee-circles",
    "squat-rocks",
    "calf-raises",
    "reverse-lunge",
    "clamshell",
    "ankle-matrix",
    "rocking-mobilization",
)

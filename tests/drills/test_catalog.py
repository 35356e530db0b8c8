"""The catalogue is package data with every drill the product knows, each with a source and cues."""

from __future__ import annotations

import pytest

from dorsi.drills import DRILL_IDS, catalog, get_drill
from dorsi.errors import InputError


def test_catalogue_has_every_drill_in_order() -> None:
    assert tuple(catalog()) == DRILL_IDS


@pytest.mark.parametrize("drill_id", DRILL_IDS)
def test_each_drill_has_source_scheme_signal_and_cues(drill_id: str) -> None:
    d = get_drill(drill_id)
    assert d.source in {"000", "001", "002", "003", "004"}
    assert d.source_title
    assert d.prescription
    assert d.signal in {"inclination", "oscillation", "circle", "vertical", "matrix"}
    assert 1 <= d.reps_min <= d.reps_max
    assert d.sets >= 1
    assert len(d.cues) >= 2
    assert d.as_dict()["id"] == drill_id


def test_targets_from_the_articles() -> None:
    assert get_drill("banded-mobilization").hold_s == 2.0
    assert (get_drill("banded-mobilization").reps_min, get_drill("banded-mobilization").reps_max) == (10, 10)
    assert get_drill("clamshell").hold_s == 5.0
    assert get_drill("calf-raises").eccentric_s == 3.0
    assert (get_drill("calf-raises").sets, get_drill("calf-raises").reps_max) == (3, 15)
    assert get_drill("banded-distraction").duration_s == 120.0
    assert get_drill("banded-distraction").final_hold_s == 30.0
    assert get_drill("knee-to-wall").reps_max == 3
    assert get_drill("knee-to-wall").per_side


def test_unknown_drill_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown drill 'lunges'"):
        get_drill("lunges")

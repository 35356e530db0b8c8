"""A physically honest simulator of a shin-strapped IMU (used by the demo and tests, never a measurement).

A session is a smooth (C²) movement script — quiet standing and two slow knee drives
for calibration, then the drill — applied to a seeded person (heading, lever 0.17–0.24 m,
skin 2–3 cm, standing inclination 2–8°, maximum 32–48°, knee caving in at end range)
with postural sway and tremor. The accelerometer reads the specific force
R_sensorᵀ(p̈ + g ẑ) and the gyroscope the body rate, both from central differences on
a ≥ 1 kHz grid; then LSM6DS3-like errors (bias + random walk, noise, scale,
quantization, saturation), packet loss and clock drift.

Ground-truth angles come from dorsi.motion.angles.angles_from_axes on the true shin
axes. Rep truth (``SimResult.reps``; ``index`` and ``set`` count from 1):

- start_s / end_s: the scripted moments the shin leaves / returns to the rest position.
  peak_s / peak_tibial_inclination_deg: the highest true tibial inclination in the rep.
- hold_s: the contiguous time around the peak during which the TRUE tibial inclination
  stays within HOLD_BAND_DEG (2.0°) of the rep's peak — from the first to the last
  sample of that run at the sensor rate (all samples, before losses). The rep counter
  uses the same definition.
- partial: True for an attempt stopped under half range ("partial-rep" event); it is
  not counted (``SimResult.counted_reps`` leaves it out).
- squat-rocks: a rock runs from a back turning point through the forward peak to the
  next back turning point.
- knee-circles: one rep per full turn of the circling phase, starting at the first
  turn's start and ending where the phase crosses each whole turn; peak = highest
  inclination in that turn; ``direction`` "ccw"/"cw" as seen from above (ccw: the knee
  goes forward, then to the person's left).
- calf-raises: start_s heel leaves the floor, end_s heel is back down, peak_s at the
  highest heel rise; ``rise_cm`` the true maximum; ``up_s`` / ``down_s`` the scripted
  rise and lowering times; hold_s is the time within HOLD_BAND_RISE_M (0.5 cm) of the top.
- ankle-matrix: ``knee`` "bent"/"straight", ``direction`` forward, tilt-left (knee to the
  person's left, frontal tilt > 0), tilt-right, rotate-left (the shin's front turns left,
  counter-clockwise from above), rotate-right; tilt and rotate reps take their peak and
  hold from the frontal tilt / axial rotation instead of the inclination.
- banded-distraction: the final 30 s hold at the deepest position is a rep of kind "hold".

Sensor profiles (``SimParams.sensor_profile``, profiles.py: reference, witmotion, metamotion,
consumer-mpu) set the error model from each part's datasheet; ``reference`` is the historical model.
Movement models (``SimParams.model``): ``keyframe`` (the corpus) and ``velocity`` (model2.py, written
independently: other velocity profiles and timing, postural sway, strap wobble, invalid heel-lift trials
with ``valid``/``invalid_reason``, ``count`` and ``eccentric_s`` per rep). The defaults reproduce the
historical recordings bit for bit. Named seed sets for tuning and held-out checks: heldout.py.

Events (``SimParams.events``) and their times are in ``SimResult.events``.
Non-drill movement (walking, jogging, stepping, turning, sitting; ``MOVEMENTS``) comes from
``simulate_movement`` (dorsi.virtual.sim.nondrill), with the same result types.
``noise=False`` removes every sensor error but not packet loss (set packet_loss=0).
"""

from dorsi.virtual.sim.core import simulate
from dorsi.virtual.sim.nondrill import MOVEMENTS, NEVER_CALIBRATES, simulate_movement
from dorsi.virtual.sim.output import write_simulation
from dorsi.virtual.sim.params import DRILLS, EVENTS, MODELS, SimParams, SimResult
from dorsi.virtual.sim.profiles import PROFILE_NAMES
from dorsi.virtual.sim.truth import HOLD_BAND_DEG, HOLD_BAND_RISE_M

__all__ = [
    "DRILLS",
    "EVENTS",
    "HOLD_BAND_DEG",
    "HOLD_BAND_RISE_M",
    "MODELS",
    "MOVEMENTS",
    "NEVER_CALIBRATES",
    "PROFILE_NAMES",
    "SimParams",
    "SimResult",
    "simulate",
    "simulate_movement",
    "write_simulation",
]

"""Every tuned value of the rep counter and its segmenters, each in one place (frozen, vqf-style).

``CounterParams`` holds what every drill shares (what "still" and "settled" mean, the hold bands,
the partial-rep rule) and one params dataclass per segmenter. The drill's own thresholds (start,
minimum ranges) are in the catalogue; the person's facts (foot length) come with the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

G_MPS2 = 9.80665
# the lever ankle → sensor along the shin: the strap sits 15 cm below the tibial tuberosity
# (docs/measurement.md), ≈ 2.5 cm below the knee's joint line; tibiae of 33–47 cm → 16–29 cm
STRAP_LEVER_M = 0.225
STRAP_LEVER_TOL_M = 0.07  # ... anywhere in that range


@dataclass(frozen=True)
class NoiseParams:
    """Measuring the sensor's white noise while the shin is still (noise.py)."""

    window_s: float = 1.0  # one estimate per this much gyro-quiet time (≈ 300 differences at 104 Hz: ±4 %)
    min_samples: int = 20
    max_gap_s: float = 0.1  # a longer gap (lost packets) breaks the window: its difference is not noise
    history_windows: int = 15  # the estimate is the median of this many last windows (robust, unbiased)
    # until a quiet window is measured: a consumer MPU-class sensor's noise (the noisiest we support),
    # so the first thresholds err loose rather than take noise for movement
    prior_acc_mps2_rthz: float = 600e-6 * G_MPS2
    prior_gyr_dps_rthz: float = 0.01
    # the shin is still when |gyro| is under max(CounterParams.quiet_dps, this × the gyro's σ per axis):
    # the norm of three axes of white noise exceeds 5 σ once in ~10⁵ samples
    quiet_gyr_k: float = 5.0


@dataclass(frozen=True)
class ExcursionParams:
    """Excursions from a rest level (excursion.py)."""

    base_tau_s: float = 0.5  # time constant of the rest level while still
    rest_band_frac: float = 0.5  # ... and within this × the start threshold of it (else a slow movement)
    min_start_deg: float = 1.5  # smallest start threshold (adapted up to the drill's start_deg)
    start_frac: float = 0.3  # start threshold = this × the person's typical range (clamped)
    end_frac: float = 0.25  # a rep ends below rest + this × its range ...
    end_min_deg: float = 0.4  # ... but never closer to rest than this
    min_duration_s: float = 0.4  # shorter excursions are wobble, not reps
    max_rep_s: float = 90.0  # longer excursions are abandoned (sitting down, taking the strap off)


@dataclass(frozen=True)
class CyclicParams:
    """Rocks and circles (cyclic.py)."""

    vel_tau_s: float = 0.04
    zig_deg: float = 1.5
    stop_frac: float = 0.15
    symmetry_min: float = 0.4
    min_speed_dps: float = 1.5
    stop_s: float = 0.5  # circles: slower than min_speed_dps this long is a stop (shorter: a slow circle's top)
    # rocks: still this long is a turning point a rock can start from (settling into the squat and rocking at
    # once: a 0.2 s pause plus the slow ends of the moves either side; a slow rock's peak is as still, but the
    # start must lie a rock's minimum below the peak)
    turn_still_s: float = 0.25
    bout_gap_s: float = 3.0  # a still plateau this long after the last rock re-centres the squat
    # circles: the knee goes to the sides as well as forward and back. The narrower extent of a circle (sagittal
    # or frontal) under this × the wider is a line, not a circle: a gait's stance pivots the shin forward over
    # the planted foot (12–46° forward, 0.5–2.6° sideways: 0.03–0.17, tuning walking and turning). The
    # simulated circles, both movement models, read 0.49–0.75 (a 4:1 ellipse still counts)
    circle_aspect_min: float = 0.25


@dataclass(frozen=True)
class VerticalParams:
    """Calf raises from integrated vertical acceleration (vertical.py)."""

    # |boxcar vertical acceleration| below max(still_acc_mps2, still_acc_k × its noise σ) (and a quiet gyro)
    # = quiet. k = 3.7: a false "moving" once in ~5000 boxcars (1.0 cm/s² at 150 µg/√Hz, the LSM6DS3);
    # the floor is tremor and tilt error (1° of tilt: g(1 − cos) = 1.5 mm/s²), a third of a slow rise's
    # peak (≈ 2.5 cm/s²)
    still_acc_mps2: float = 0.005
    still_acc_k: float = 3.7
    acc_tau_s: float = 0.15  # the quiet test's boxcar window (noise σ = density / √(2 τ): 2.7 mm/s² at 150 µg/√Hz)
    still_s: float = 0.15
    # |integrated velocity| under max(this, still_v_k × density × √(time since the last zero-velocity
    # update)) while quiet = still: the velocity's own random walk (σ = density √T) is 1.1 cm/s after 5 s
    # at 500 µg/√Hz; 3 σ of it is noise, not a lowering
    still_v_mps: float = 0.01
    still_v_k: float = 3.0
    still_long_s: float = 3.0  # ... or quiet this long whatever the velocity (drift)
    bias_tau_s: float = 60.0  # running mean of the rest offset (seconds of evidence; the bias barely drifts)
    # deep rest: |fast − slow smoothed acceleration| under max(this, bias_still_k × its σ), σ = 0.87 × density
    # (exponential means of 0.15 s and 0.6 s); k = 6.3 gives the 8 mm/s² tuned on the LSM6DS3
    bias_still_mps2: float = 0.003
    bias_still_k: float = 6.3
    bias_still_s: float = 0.3
    slow_tau_s: float = 0.6
    bias_after_rep_s: float = 1.5
    start_cm: float = 1.0
    bottom_frac: float = 0.7  # the lowering has begun under this × top; it ends under it ...
    release_frac: float = 0.3  # ... once its speed is back under this × its peak
    max_rep_s: float = 30.0
    # the gyro's part of the quiet test: a calf raise sways the shin more than standing does (the shared
    # quiet_dps is what counts as a still shin for the rest offset)
    still_dps: float = 6.0
    tap_s: float = 0.06  # a tap's edges: integration is undone this far back and skipped this long
    # vertical acceleration (or |specific force| − g) beyond this is a tap, not a raise. A tap into the skin is
    # 2–4 g for 5–20 ms (a jolt of ≥ 12 m/s² even when horizontal); a fast raise (rise in 0.4 s) reaches
    # ~2 m/s², and at 2.0 its onset was taken for a tap and undone (fresh seed 36 `fast`: 6 of 45 lost)
    spike_mps2: float = 5.0
    # ... or a jump between samples over max(jerk_mps3, jerk_k × the noise of a difference): an impulse (a
    # heel strike, 20-40 ms). The fastest raise (0.4 s, 9 cm) peaks at 60·d/T³ ≈ 85 m/s³; a step ≈ 95
    jerk_mps3: float = 200.0
    jerk_k: float = 6.0
    # ... or a second difference over max(snap_mps4, jerk_k × its noise, √6 σ): at 50 Hz a 20-40 ms strike falls
    # in 1-2 samples and jumps only ≈ 110 m/s³, but it turns straight back (and the soft tissue rings), which
    # no raise does: the fastest (0.4 s, 9 cm, minimum jerk) peaks at 360·d/T⁴ ≈ 1300 m/s⁴
    snap_mps4: float = 4000.0
    # ... or a ring: the vertical acceleration swinging + − + (or − + −) within ring_s, each swing beyond
    # max(ring_min_mps2, jerk_k × the noise σ per sample). A heel strike rings the shank's soft tissue at
    # 5-15 Hz; a rise's acceleration changes sign once, at its middle (push, then braking: half the fastest
    # rise, 0.4 s, apart from its start), so it never swings back within ring_s. The floor is physiological
    # tremor (8-12 Hz, ≲ 0.06 m/s² at the shin): a ring swings beyond 2.5 × that
    ring_s: float = 0.2
    ring_min_mps2: float = 0.15
    # after the rise's braking, quiet this long is the top hold whatever the integrated velocity (0.15 s took
    # the quiet end of a slow rise, still moving, for it: corpus slow seed 0 lost a rep); top holds last 0.2-0.8 s
    top_quiet_s: float = 0.3
    # ... once the velocity is under this × the rise's peak: the braking of a rise symmetric enough to stop has
    # taken half of it (a strike's leftover, a few cm/s, stays under half of the rise's peak on top of it)
    top_stop_frac: float = 0.5
    min_bias_s: float = 0.5  # still time needed before the first rep can be measured
    onset_s: float = 0.3  # a movement's onset is re-integrated this far back (its start looked still)
    # a zero-velocity residual / interval above max(this, resid_k × density / √1 s) is no offset evidence
    # (its noise over a 1 s interval is density / √1 s; 3.4 × 150 µg/√Hz = 5 mm/s²)
    resid_max_mps2: float = 0.005
    resid_k: float = 3.4
    push_frac: float = 0.75  # ... or under this and the next rise pushes up
    bridge_frac: float = 0.5  # the lowering is over once the bridged height is under this × the top (halfway)
    # ... less about the fitted end's error: it grows with the lowering's duration (σ 0.5-1 s at 6-9 s);
    # a 3 s lowering's last second still brakes, and a rest seen there leaves that braking as a rise
    settle_lead_s: float = 1.0
    settle_lead_frac: float = 0.125
    # a rep whose bridged height came a quarter down (push_frac) is over once quiet this long: longer than the
    # brake-free middle of any lowering (a 9 s lowering's acceleration stays under the quiet bar for ≈ 6 s)
    quiet_close_s: float = 6.0
    settle_max_s: float = 4.0  # after a rep closes, no rest until the fitted lowering's end, at most this long
    # a judged rep's landing (a strike: its ring or impulse) is watched for, to revise its eccentric, until the
    # fitted lowering's end plus this × its duration: the fit ends early by a slow end it cannot see (an
    # early-peaking lowering's last fifth moves the heel under a millimetre; half of it is a margin) ...
    landing_late_frac: float = 0.5
    # ... and at most this long after the close (the bridge closes a rep halfway down: a 9 s lowering's rest)
    landing_wait_s: float = 6.0
    # the landed fit's cost per increment over the judging's beyond this: not a lowering's samples, no revision
    # (tuning 1000-1001, velocity model: ≤ 6.2 on every profile; a foot lifted to reposition it: ≈ 10⁴)
    landed_cost_k: float = 100.0
    # the next rise pushes harder than the lowering's braking by max(this, brake_k × the boxcar's σ)
    brake_margin_mps2: float = 0.004
    brake_k: float = 3.0  # ≈ 8 mm/s² at 150 µg/√Hz, as tuned on the LSM6DS3
    # a calf raise barely tilts the shin (simulated, every event: ≤ 1.9° from where the rep began,
    # sagittal or frontal); a step to reposition the foot lifts it as far, tilting it ≥ 14° (median 22°)
    max_tilt_change_deg: float = 8.0


@dataclass(frozen=True)
class ValidityParams:
    """Is a drive what the drill asks for (validity.py): the heel stays down."""

    # A lift is called when the heel's rise (validity.HeelEstimate.rise_cm) is over heel_down_max_cm (issue 18:
    # a heel is down while it rises under about 1 cm) and beyond sigma_z standard errors of the estimate; the
    # error is computed per drive from the accelerometer noise measured on its rest (HeelEstimate.sigma_cm).
    # Heel-down drives, tuning seeds 1000-1023, every profile × model, knee-to-wall and wall test (1147 judged):
    # (rise / σ) SD 0.73-1.04 per profile, max 3.96 (consumer-mpu); 3 σ rejects 0 / 3 / 1 / 3 of ~286 per
    # profile (reference / witmotion / metamotion / consumer-mpu), 4 σ none but catches a third fewer lifts: a
    # trial can be redone, a lifted one kept as the best cannot be unseen. `python -m
    # tests.drills.heel_profiles LO HI` prints the estimate and its error terms per profile.
    heel_down_max_cm: float = 1.0
    sigma_z: float = 3.0
    # under the lift bar, a trial whose rise is beyond heel_clean_z standard errors is not confidently heel-down
    # (issue 18: the velocity model's late 1-2.8 cm lifts read under 3 σ and over-read the best by 4-5°): it is
    # counted, but the best comes from the other trials when one is clean (counter, kneewall.side_result).
    # The bar is the 95th percentile of z = rise / σ over the heel-down trials (`python -m tests.drills.heel_clean
    # 1000 1040`: every profile × model, knee-to-wall and the wall test, 1906 judged, pooled): 2.10. It keeps 5.1 %
    # of heel-down trials out of the best (reference 2.9, metamotion 2.7, consumer-mpu 5.5, witmotion 9.2 %) and 31
    # of the 100 velocity lifts the 3 σ bar counts (z -1.8 to 3.0: the rest read like heel-down trials)
    heel_clean_z: float = 2.1
    # the white noise's part, scaled to the heel: the foot model (≈ 1.35 heel per cm of ankle) and the lever fit
    # (the forward channel's noise through −L·Δcos θ); fitted on those heel-down drives: 1.79
    noise_gain: float = 1.8
    # the estimate's spread on heel-down drives with no sensor errors (the filter's own tilt, the lever fit, the
    # foot model, sway): 0.43-0.53 cm per model; fitted with noise_gain: 0.55
    floor_cm: float = 0.55
    # the same two on a unit whose six-face bench calibration is applied (SessionSpec.unit_calibrated): its
    # accelerometer's bias and scale error, most of the raw spread, are gone (for_unit). Fitted together on the
    # bench-calibrated heel-down trials (`python -m tests.drills.heel_calibrated 1000 1040`: every profile × model,
    # knee-to-wall and the wall test, 1905 judged; Gaussian maximum likelihood of rise ~ N(0, σ²)): floor 0.36
    # (the spread without sensor errors: 0.35-0.39 cm RMS), gain 1.54. Their z spreads as today's σ spreads raw
    # units' (SD 0.87 vs 0.84)
    floor_cal_cm: float = 0.36
    noise_gain_cal: float = 1.55
    # the bar when the noise could not be measured (a rest of under 4 samples): the old fixed threshold, above
    # every heel-down drive measured on the reference sensor (key-frame 0.47 ± 0.45 cm, max 2.0)
    heel_rise_max_cm: float = 2.5
    # where the strap can sit, ankle → sensor (cm: STRAP_LEVER_M ± STRAP_LEVER_TOL_M). Each orientation's lever fit
    # is held to it (validity.MotionBuffer.heel_estimate): an orientation's error enters the rise through the forward
    # channel, that is through the lever (issue 18, docs/drills.md)
    lever_min_cm: float = round(100.0 * (STRAP_LEVER_M - STRAP_LEVER_TOL_M), 6)
    lever_max_cm: float = round(100.0 * (STRAP_LEVER_M + STRAP_LEVER_TOL_M), 6)
    # the estimate's error grows with the time integrated (≈ T²: an accelerometer error ramp); it was measured
    # on drives reaching their hold in 2-3.5 s. A slower drive is not judged (corpus seed 0 `slow`, a 7 s
    # heel-down drive, read 4.6 cm)
    max_drive_s: float = 4.0
    rest_s: float = 1.0  # a still rest this long before the drive (or, if there is none, min_rest_s) ...
    # a third of the velocity model's rests between trials are 0.5 s: 41 of 158 trials were not judged. The
    # rest's mean is the accelerometer's error: over 0.5 s its noise (150 µg/√Hz) is ≈ 1.5 mm/s², ≈ 0.1 cm
    # over a 3 s drive, under the other terms of the error budget (docs/drills.md)
    min_rest_s: float = 0.5
    settle_deg: float = 0.5  # ... its inclination within this (a settling shin decelerates: no error reading)
    lookback_s: float = 1.5  # ... ending at most this long before it opened
    # the integration ends anywhere in the hold's first second (a late lift runs on into its first quiet
    # samples: validity.ankle_rise_fit); the rise is the median over this many ends
    end_span_s: float = 1.0
    # the hold opens at the first still sample of a stretch this long (validity.MotionBuffer._hold_start): a drive
    # still for a moment before it goes on (a late lift's bend) is not at its hold yet
    min_hold_s: float = 0.5
    hold_error_frac: float = 0.5  # the vertical's error is read over the hold's later half (validity.ankle_rise_fit)
    end_count: int = 11
    keep_s: float = 120.0  # the motion kept before a chunk for the check (longer than any drive, max_rep_s)
    block_samples: int = 8192  # a longer chunk is counted in blocks of this (bounded memory)

    def for_unit(self, calibrated: bool) -> ValidityParams:
        """The parameters for a session's unit: σ's floor and noise gain for a bench-calibrated one (chosen once,
        from whether a unit calibration is applied: never from the data), these unchanged for a raw one."""
        if not calibrated:
            return self
        return replace(self, floor_cm=self.floor_cal_cm, noise_gain=self.noise_gain_cal)


@dataclass(frozen=True)
class GaitParams:
    """Is the person walking, stepping or jogging around a rep (gait.py): heel strikes at a gait's cadence."""

    # a heel strike's jolt: the specific force along the shin changes by 1–4 g within 25–40 ms (2–5 g walking,
    # more jogging); the swing's ≈ 1 g builds over ≈ 0.2 s (≤ 0.2 g per 40 ms), and a planted drive's turn
    # changes it across the shin, not along it (gait.py): an impact is an axial change beyond 5 m/s² (half a
    # g) within span_s ...
    span_s: float = 0.04
    impact_min_mps2: float = 5.0
    # ... and beyond this × the RMS change of the session's still samples: a noisy sensor's floor (8 σ: not
    # reached by noise in an hour of samples at 400 Hz)
    impact_noise_k: float = 8.0
    refractory_s: float = 0.15  # one strike's ringing (its 25–40 ms pulse, a second bounce) is one impact
    # the same leg's strikes one stride apart: 60–180 steps/min → a stride of 0.67–2 s (slow walk to jog);
    # from 0.3 s the other leg's strike (steps, at up to 200 steps/min) counts too
    stride_min_s: float = 0.3
    stride_max_s: float = 2.0
    lookback_s: float = 1.0  # the surroundings read before a rep opened: half a slow stride (gait going on into it)
    keep_s: float = 120.0  # impacts kept (longer than any rep: ExcursionParams.max_rep_s)
    # -- the foot left the floor: the ankle's vertical speed (gait.py). Over windows of each of lift_windows_s
    # the sensor's integrated vertical acceleration minus the shin's turn about the ankle (lever × the rate of
    # the long axis' height) is what the ankle moved: a planted ankle's stays near zero, a step's reaches 0.2–2
    # m/s. Each window is less its straight line (an accelerometer offset's drift), which keeps only part of a
    # rise that fills it: a quick lift reads most in the short window, a slow one (a small step's, 0.5–0.8 s)
    # in the long one (a span shorter than it: read whole, gait.GaitWatch.lift_margin)
    lift_windows_s: tuple[float, ...] = (0.4, 0.8)
    lever_m: float = STRAP_LEVER_M  # the lever ankle → sensor along the shin ...
    lever_tol_m: float = STRAP_LEVER_TOL_M  # ... anywhere in that range; its error × the axis' rate is allowed for
    skin_max_m: float = 0.05  # the sensor face off the tibia's axis (2–3 cm on the crest, more if strapped round)
    lift_noise_k: float = 6.0  # × the accelerometer's white noise integrated over the window (velocity σ)
    # the smallest lift worth calling one: the ankle raised 2 cm over 3/4 of a window (0.3 s in 0.4 s, 0.6 s in
    # 0.8 s). Each window's floor is what the check reads of that lift alone (gait.lift_floor: 0.079-0.090 m/s
    # at 0.4 s, 0.044-0.046 at 0.8 s), not its peak speed (0.125 m/s at 0.3 s, which a detrended window never reads)
    lift_ref_m: float = 0.02
    lift_ref_frac: float = 0.75
    lift_lookback_s: float = 0.25  # read from this long before a rep opened (its start is found late)
    # -- the foot turned: a planted foot keeps its heading, so a rep ends facing where it began (the shin's
    # turn about the vertical, start → end). A drive that turns the shin (the matrix's rotations) comes back:
    # what is left at its end is under this × the largest turn within it ...
    turn_return_frac: float = 0.5
    # ... or under this: the planted reps' own net turn (a knee circle's cone turns the shin by its solid
    # angle, π r²: 3.5° at r = 8°; the matrix's rotations end short of their start; drift) measured ≤ 3.6°
    # on the corpus (seed 0, every event), while a turning step turns the foot 25–90° (simulated 25–60°)
    turn_max_deg: float = 10.0
    # -- calf raises: the foot stays planted from a stride before the rise through the landing. A calf raise lifts
    # the ankle, so the lift check cannot judge the rep itself; a step's heel-off looks like a quick raise, and
    # what tells it is on either side: the toe-off's swing after it (the foot lifted, turned when turning on the
    # spot) or the turning step before it. The segmenter closes a raise while its heel is still coming down (the
    # bridge: halfway down), ≥ 0.23 s before it lands (keyframe corpus, seeds 0-3), so the verdict waits this long
    # after the close: the lift check from the close and the turned-foot check from lookback_s before the rep
    # opened, both up to then. It is the reporting budget (a rep reported at most 0.3 s after its true end), not
    # a fit to the steps (docs/drills.md, "Calf raises: planted through the landing")
    planted_after_s: float = 0.3
    # -- the shin moved: at a still moment the accelerometer reads gravity, so the tilt between the rest before a
    # rep and its peak is seen twice, by the orientation and by gravity's direction in the sensor frame. Before the
    # gyro's bias is learnt (no calibration yet, the first seconds) the orientation drifts, 0.7-0.8 °/s (tuning
    # seeds 1060, 1080: 4-5° in 6 s, gravity's direction within 0.6°) and a drift closed by the first step was
    # a rep. Each end is the mean over still_window_s (the accelerometer's noise averages out; the shin's own
    # acceleration is allowed for: gait.py), the body rate at either end over rate_span_s
    still_window_s: float = 0.25
    rate_span_s: float = 0.05
    # gravity must have turned by at least this × the orientation's tilt: under it, most of the "rep" is drift
    # (a partial rep's fraction: a real drive with some drift keeps well over half its range)
    moved_min_frac: float = 0.5


@dataclass(frozen=True)
class CounterParams:
    """Tuning shared by every drill, and each segmenter's own."""

    quiet_dps: float = 2.5  # |bias-corrected gyro| below this = the shin is still
    settle_band_deg: float = 0.5  # settled: within this ...
    settle_s: float = 0.6  # ... for this long (a plateau inside an excursion, a still squat between rocks)
    hold_band_deg: float = 2.0  # a hold = contiguous time within this band of the rep's peak (live and stored)
    hold_band_rise_cm: float = 0.5  # calf raises: top hold band
    partial_frac: float = 0.5  # range under this × the typical range = a partial rep (not counted)
    history_reps: int = 5  # typical range = median of the last reps of the same kind
    excursion: ExcursionParams = field(default_factory=ExcursionParams)
    cyclic: CyclicParams = field(default_factory=CyclicParams)
    vertical: VerticalParams = field(default_factory=VerticalParams)
    noise: NoiseParams = field(default_factory=NoiseParams)
    validity: ValidityParams = field(default_factory=ValidityParams)
    gait: GaitParams = field(default_factory=GaitParams)

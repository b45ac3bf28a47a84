"""Back to running: readiness checks, return-to-run plans and their sessions, cadence, shoes."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain import shoes as shoe_rules

PAIN_HELP = "0 = no pain, 10 = worst pain imaginable"


class ReadinessCheck(models.Model):
    """One go at the readiness check (clinical.md §10.1) and its outcome."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readiness_checks"
    )
    brisk_walk_pain_free_min = models.PositiveSmallIntegerField()
    squats_left = models.PositiveSmallIntegerField()
    squats_right = models.PositiveSmallIntegerField()
    squat_pain_nrs = models.PositiveSmallIntegerField(help_text=PAIN_HELP)
    hops_left = models.PositiveSmallIntegerField()
    hops_right = models.PositiveSmallIntegerField()
    hop_pain_nrs = models.PositiveSmallIntegerField(help_text=PAIN_HELP)
    daily_pain_nrs = models.PositiveSmallIntegerField(help_text=PAIN_HELP)
    red_flags = models.BooleanField(default=False)
    passed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)

    def answers(self) -> rtr.ReadinessAnswers:
        return rtr.ReadinessAnswers(
            brisk_walk_pain_free_min=self.brisk_walk_pain_free_min,
            squats_left=self.squats_left,
            squats_right=self.squats_right,
            squat_pain_nrs=self.squat_pain_nrs,
            hops_left=self.hops_left,
            hops_right=self.hops_right,
            hop_pain_nrs=self.hop_pain_nrs,
            daily_pain_nrs=self.daily_pain_nrs,
            red_flags=self.red_flags,
        )

    def result(self) -> rtr.ReadinessResult:
        return rtr.check_readiness(self.answers())


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FINISHED = "finished", "Finished"
    STOPPED = "stopped", "Paused: see your physiotherapist"
    ENDED = "ended", "Ended by you"


class RunPlan(models.Model):
    """A runner's return-to-run plan: a template, where they are in it, and physio sign-offs."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="run_plans"
    )
    template_slug = models.CharField(
        max_length=40, choices=[(t.slug, t.name) for t in rtr.TEMPLATES.values()]
    )
    start_date = models.DateField()
    run_weekdays = models.CharField(max_length=20, default="0,2,4")
    baseline_pain_nrs = models.PositiveSmallIntegerField(default=0, help_text=PAIN_HELP)
    stage_index = models.PositiveSmallIntegerField(default=0)
    good_at_stage = models.PositiveSmallIntegerField(default=0)
    unsettled_in_a_row = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    needs_signoff_before_start = models.BooleanField(default=False)
    needs_signoff_before_continuous = models.BooleanField(default=False)
    signed_off_start_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_start_at = models.DateTimeField(null=True, blank=True)
    signed_off_continuous_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_off_continuous_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "status"])]

    def __str__(self) -> str:
        return f"{self.template.name} from {self.start_date:%Y-%m-%d}"

    @property
    def template(self) -> rtr.PlanTemplate:
        return rtr.template(self.template_slug)

    @property
    def weekdays(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.run_weekdays.split(",") if d.strip())

    @property
    def stage(self) -> rtr.Stage:
        return self.template.stages[self.stage_index]

    def progress(self) -> rtr.PlanProgress:
        status = {
            PlanStatus.ACTIVE: rtr.PlanStatus.ACTIVE,
            PlanStatus.FINISHED: rtr.PlanStatus.FINISHED,
        }.get(PlanStatus(self.status), rtr.PlanStatus.STOPPED)
        return rtr.PlanProgress(
            stage_index=self.stage_index,
            good_at_stage=self.good_at_stage,
            unsettled_in_a_row=self.unsettled_in_a_row,
            status=status,
        )

    def required_signoffs(self) -> set[rtr.SignOffPoint]:
        required = set()
        if self.needs_signoff_before_start:
            required.add(rtr.SignOffPoint.BEFORE_START)
        if self.needs_signoff_before_continuous:
            required.add(rtr.SignOffPoint.BEFORE_CONTINUOUS)
        return required

    def granted_signoffs(self) -> set[rtr.SignOffPoint]:
        granted = set()
        if self.signed_off_start_at is not None:
            granted.add(rtr.SignOffPoint.BEFORE_START)
        if self.signed_off_continuous_at is not None:
            granted.add(rtr.SignOffPoint.BEFORE_CONTINUOUS)
        return granted

    def waiting_for(self) -> rtr.SignOffPoint | None:
        if self.status != PlanStatus.ACTIVE:
            return None
        return rtr.signoff_due(
            self.template, self.stage_index, self.required_signoffs(), self.granted_signoffs()
        )


class Decision(models.TextChoices):
    PROGRESS = rtr.Decision.PROGRESS.value, "Move on"
    REPEAT = rtr.Decision.REPEAT.value, "Repeat this stage"
    STEP_BACK = rtr.Decision.STEP_BACK.value, "Step back a stage"
    STOP_AND_SEE_PHYSIO = rtr.Decision.STOP_AND_SEE_PHYSIO.value, "Pause and see your physio"


class PlanSession(models.Model):
    """One session of a plan as the runner did it: pain during, after and the next morning."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(RunPlan, on_delete=models.CASCADE, related_name="sessions")
    on = models.DateField()
    stage_index = models.PositiveSmallIntegerField()
    completed = models.BooleanField(default=True)
    pain_during_nrs = models.PositiveSmallIntegerField(help_text=PAIN_HELP)
    pain_after_nrs = models.PositiveSmallIntegerField(help_text=PAIN_HELP)
    pain_next_morning_nrs = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=PAIN_HELP
    )
    swelling = models.BooleanField(default=False)
    limp = models.BooleanField(default=False)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    reason = models.TextField(blank=True)
    activity = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_sessions",
    )
    logged_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-on", "-logged_at")

    @property
    def stage_number(self) -> int:
        return self.stage_index + 1

    @property
    def awaiting_morning(self) -> bool:
        return self.pain_next_morning_nrs is None and not self.decision


class CadenceTarget(models.Model):
    """A cadence target, set by the runner or their physio; the latest one counts."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cadence_targets"
    )
    target_spm = models.PositiveSmallIntegerField()
    baseline_spm = models.FloatField(null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)


class RunCadence(models.Model):
    """Cadence over the running part of one imported run, worked out once from its streams."""

    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.CASCADE, related_name="cadence"
    )
    avg_spm = models.FloatField()
    median_spm = models.FloatField()
    running_s = models.FloatField()
    median_speed_mps = models.FloatField(null=True, blank=True)
    histogram = models.JSONField(default=dict)
    ground_contact_ms = models.FloatField(null=True, blank=True)
    vertical_oscillation_mm = models.FloatField(null=True, blank=True)
    step_length_mm = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)


class Shoe(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shoes"
    )
    name = models.CharField(max_length=120)
    start_date = models.DateField()
    starting_distance_m = models.FloatField(default=0.0)
    is_default = models.BooleanField(default=False)
    retired = models.BooleanField(default=False)
    first_check_km = models.PositiveIntegerField(default=int(shoe_rules.WEAR_CHECK_KM[0]))
    second_check_km = models.PositiveIntegerField(default=int(shoe_rules.WEAR_CHECK_KM[1]))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("retired", "-start_date", "name")

    def __str__(self) -> str:
        return self.name

    def domain(self) -> shoe_rules.Shoe:
        return shoe_rules.Shoe(
            key=str(self.pk),
            name=self.name,
            start=self.start_date,
            starting_distance_m=self.starting_distance_m,
            retired=self.retired,
        )


class ShoeUse(models.Model):
    """Which shoe a run was done in. Deleting a shoe leaves its runs unassigned."""

    activity = models.OneToOneField(
        "activities.Activity", on_delete=models.CASCADE, related_name="shoe_use"
    )
    shoe = models.ForeignKey(Shoe, on_delete=models.CASCADE, related_name="uses")
    automatic = models.BooleanField(default=True)
    assigned_at = models.DateTimeField(default=timezone.now)

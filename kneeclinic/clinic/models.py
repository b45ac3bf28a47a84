"""The clinician's side: the audit trail and assessment notes.

Audit events hold only internal ids, codes and verbs (never names, notes or health values), so
they can be kept for the retention period after a runner closes their account. They are chained
by hash and the database refuses to update or delete them.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    """RFC 3881 / ASTM E2147 action codes."""

    CREATE = "C", "Create"
    READ = "R", "Read"
    UPDATE = "U", "Update"
    DELETE = "D", "Delete"
    EXECUTE = "E", "Export or print"


class AuditOutcome(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    DENIED = "denied", "Refused"


class AuditEvent(models.Model):
    """One access to, or change of, a runner's record by someone other than the runner."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No foreign-key constraints: events outlive the accounts they mention (erasure keeps ids).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_role = models.CharField(max_length=10, blank=True)
    actor_clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=1, choices=AuditAction.choices)
    verb = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40)
    object_code = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(
        max_length=8, choices=AuditOutcome.choices, default=AuditOutcome.ALLOWED
    )
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent_hash = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ("id",)
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["runner", "-at"])]

    @property
    def description(self) -> str:
        """The event in words for the runner's "who looked at my data" page."""
        known = AUDIT_DESCRIPTIONS.get((self.verb, self.object_type))
        if known:
            return known
        return f"{self.verb} {self.object_type}".replace("_", " ").replace("-", " ").capitalize()


AUDIT_DESCRIPTIONS = {
    ("view", "timeline"): "Opened your record",
    ("print", "report"): "Printed a report of your record",
    ("create", "assessment_note"): "Wrote an assessment note",
    ("view", "assessment_note"): "Read an assessment note",
    ("change", "assessment_note"): "Changed an assessment note",
    ("grant", "care_link"): "Sharing started",
    ("revoke", "care_link"): "Sharing ended",
    ("view-timeline", "runner"): "Tried to open your record",
    ("print-report", "runner"): "Tried to print your record",
    ("create-note", "runner"): "Tried to write a note about you",
    ("create", "running_review"): "Reviewed your running",
}


class AuditChainHead(models.Model):
    """A single row holding the newest hash: appends lock it, so the chain has no forks."""

    key = models.CharField(max_length=10, primary_key=True, default="head")
    last_hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)


class AssessmentNote(models.Model):
    """A physio's assessment of one runner. Its content lives in versions; edits add a version."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_notes"
    )
    created_at = models.DateTimeField(default=timezone.now)
    seen_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ("-seen_on", "-created_at")


class Imaging(models.TextChoices):
    NONE = "", "None"
    XRAY = "xray", "X-ray"
    MRI = "mri", "MRI"
    CT = "ct", "CT"
    ULTRASOUND = "ultrasound", "Ultrasound"


class ImagingStatus(models.TextChoices):
    NONE = "", "Not applicable"
    REQUESTED = "requested", "Requested"
    REVIEWED = "reviewed", "Reviewed"


class AssessmentNoteVersion(models.Model):
    """One saved state of a note. Versions are never edited; the newest is the current note."""

    note = models.ForeignKey(AssessmentNote, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    saved_at = models.DateTimeField(default=timezone.now)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    history = models.TextField(blank=True)
    examination = models.TextField(blank=True)
    imaging = models.CharField(max_length=12, choices=Imaging.choices, blank=True)
    imaging_status = models.CharField(max_length=10, choices=ImagingStatus.choices, blank=True)
    imaging_result = models.TextField(blank=True)
    working_diagnosis = models.CharField(max_length=300, blank=True)
    plan = models.TextField(blank=True)
    free_text = models.TextField(blank=True)
    shared_with_runner = models.BooleanField(default=False)
    change_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("note", "-number")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["note", "number"], name="one_number_per_note_version")
        ]


class ReviewOutcome(models.TextChoices):
    READY_STAGE_1 = "ready_stage_1", "Ready to start stage 1 of the return-to-run plan"
    CARRY_ON = "carry_on", "Carry on with the plan as it is"
    HOLD_TWO_WEEKS = "hold_two_weeks", "Hold for two weeks, then we review again"
    STEP_BACK = "step_back", "Step back a stage"
    SEE_IN_CLINIC = "see_in_clinic", "Book an assessment before running more"


class RunningReview(models.Model):
    """A physio's review of the runner's running programme; the runner always sees it."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="running_reviews"
    )
    physio = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices)
    note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at",)


class PhysioInvitation(models.Model):
    """A runner's single-use invitation for their physio to follow their record.

    The runner agreed to share when they made it (``created_at``), after seeing what a physio
    sees. Like a physio's invitation it carries a link token and a short code, both stored only
    as keyed hashes, expires after a few days and works once.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="physio_invitations"
    )
    physio_email = models.EmailField(blank=True)
    link_token_hash = models.CharField(max_length=64, unique=True)
    short_code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation from runner {self.runner_id}"


class PlanChange(models.Model):
    """A physio set or changed a runner's return-to-run plan or its gates, with a note.

    The runner sees it on their plan page; the plan itself lives in the plans area.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_changes"
    )
    physio = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    plan = models.ForeignKey("plans.RunPlan", on_delete=models.CASCADE, related_name="changes")
    summary = models.CharField(max_length=300)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.summary

"""The exercise library for runner's knee: strengthening, stretching and the pre-run warm-up.

Every entry paraphrases the starter library of clinical.md §15 (and the warm-up of §14). Doses are
starting points from the trials named in each entry's evidence; the physiotherapist may change them.
The text is written for a runner on a phone: short steps, plain words, no anatomy quiz.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class ExerciseError(ValueError):
    """An exercise or dose that does not make sense, with a reason a person understands."""


class Category(enum.StrEnum):
    """What the exercise is for."""

    STRENGTH = "strength"
    STRETCH = "stretch"
    WARM_UP = "warm-up"


class Equipment(enum.StrEnum):
    """What a runner needs at hand. Nothing beyond a band, a step and a chair for home work."""

    MAT = "mat"
    BAND = "band"
    ANKLE_WEIGHT = "ankle weight"
    WALL = "wall"
    STEP = "step"
    CHAIR = "chair"
    TOWEL = "towel"
    STRAP = "strap"
    WEIGHT = "dumbbell or kettlebell"
    GYM_MACHINE = "gym machine"


@dataclass(frozen=True, slots=True)
class Dose:
    """How much of an exercise: sets of repetitions, each optionally held for ``hold_s`` seconds.

    A stretch or an isometric hold has ``reps=None``: each set is one hold of ``hold_s`` seconds.
    ``each_side`` means the sets are done on the left and on the right.
    """

    sets: int
    reps: int | None = None
    hold_s: int | None = None
    each_side: bool = False
    load: str = "body weight"
    rest_s: int = 60

    def __post_init__(self) -> None:
        if self.sets < 1:
            raise ExerciseError(f"A dose needs at least one set, not {self.sets}.")
        if self.reps is None and self.hold_s is None:
            raise ExerciseError("A dose needs repetitions, a hold time, or both.")
        if self.reps is not None and self.reps < 1:
            raise ExerciseError(f"Repetitions must be at least 1, not {self.reps}.")
        if self.hold_s is not None and self.hold_s < 1:
            raise ExerciseError(f"A hold must last at least one second, not {self.hold_s}.")
        if self.rest_s < 0:
            raise ExerciseError(f"Rest between sets cannot be negative ({self.rest_s} s).")

    def describe(self) -> str:
        """The dose in words, e.g. ``3 sets of 10, hold 2 s, each side`` or ``5 min``."""
        if self.reps is None:
            hold = duration_text(self.hold_s or 0)
            text = hold if self.sets == 1 else f"{self.sets} x {hold} hold"
        else:
            text = f"{self.sets} set{'' if self.sets == 1 else 's'} of {self.reps}"
            if self.hold_s is not None:
                text += f", hold {duration_text(self.hold_s)}"
        if self.each_side:
            text += ", each side"
        return text


def duration_text(seconds: int) -> str:
    """Seconds in words: ``45 s``, ``5 min``, ``1 min 30 s``."""
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min" + (f" {rest} s" if rest else "")


@dataclass(frozen=True, slots=True)
class Illustration:
    """One drawing of the exercise; the file is ``static/exercises/<slug>.svg``."""

    slug: str
    alt: str


@dataclass(frozen=True, slots=True)
class Exercise:
    """One library entry. ``progression``/``regression`` name the next harder/easier entry."""

    slug: str
    name: str
    category: Category
    targets: str
    why: str
    steps: tuple[str, ...]
    mistakes: tuple[str, ...]
    dose: Dose
    progress_by: str
    regress_by: str
    equipment: tuple[Equipment, ...]
    evidence: tuple[str, ...]
    start_alt: str
    end_alt: str
    dossier_ref: str
    progression: str | None = None
    regression: str | None = None

    @property
    def illustrations(self) -> tuple[Illustration, Illustration]:
        """The start and end drawings, in the order they are done."""
        return (
            Illustration(f"{self.slug}-start", self.start_alt),
            Illustration(f"{self.slug}-end", self.end_alt),
        )


_FOHX = "FOHX hip programme, Matthews 2017 [R23] (clinical.md §15)"
_FUKUDA = "Fukuda 2010 hip strengthening trial [R18] (clinical.md §15; exercise details unverified)"
_TEN_TO_TWELVE_RM = "a load you could lift 10-12 times at most"

LIBRARY: tuple[Exercise, ...] = (
    # ---------------------------------------------------------------- hip strengthening
    Exercise(
        slug="side-lying-hip-abduction",
        name="Side-lying leg lift",
        category=Category.STRENGTH,
        targets="Side of the hip (gluteus medius and minimus)",
        why="Strong side-hip muscles stop the thigh dropping inwards when you land on one leg, "
        "which takes strain off the front of the knee.",
        steps=(
            "Lie on your side with your legs straight and your head resting on your arm.",
            "Keep your top leg straight with the toes pointing forwards, not up.",
            "Lift the top leg about 30 degrees over 2 seconds, pause for 1 second.",
            "Lower it slowly over 2 seconds.",
        ),
        mistakes=(
            "Rolling backwards so the front of the thigh does the work.",
            "Turning the toes towards the ceiling.",
            "Swinging the leg up fast instead of lifting it under control.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, load=_TEN_TO_TWELVE_RM, rest_s=90),
        progress_by="Add an ankle weight or a band round the ankles, or hold the top for 2 s.",
        regress_by="Lift through a smaller range, or bend the bottom knee for balance.",
        equipment=(Equipment.MAT, Equipment.ANKLE_WEIGHT),
        evidence=(_FOHX, _FUKUDA, "Ferber 2015 hip and core protocol [R19] (§15)"),
        start_alt="Lying on the side, legs straight and together.",
        end_alt="Lying on the side, top leg lifted about 30 degrees with the toes forwards.",
        dossier_ref="§15 exercise 1",
        progression="standing-hip-abduction-band",
    ),
    Exercise(
        slug="standing-hip-abduction-band",
        name="Standing leg out to the side with a band",
        category=Category.STRENGTH,
        targets="Side of the hip, on both the standing and the moving leg",
        why="Trains the side-hip muscles while you stand on one leg, as you do in every running "
        "stride.",
        steps=(
            "Loop a band round both ankles and stand tall, one hand on a wall if you need it.",
            "Keep your hips level and your standing knee soft.",
            "Take one straight leg out to the side, about 30 degrees, over 2 seconds.",
            "Pause, then bring it back slowly.",
        ),
        mistakes=(
            "Leaning the body over to the other side.",
            "Hitching the hip up instead of moving the leg.",
            "Turning the foot outwards.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, load="a band that makes 10 hard", rest_s=90),
        progress_by="Use a heavier band, let go of the wall, or walk sideways with the band on.",
        regress_by="Hold on to a support and use a lighter band.",
        equipment=(Equipment.BAND, Equipment.WALL),
        evidence=(_FOHX, "Khayambashi 2012 [R17] (§15; not retrieved)"),
        start_alt="Standing tall with a band round both ankles, one hand on the wall.",
        end_alt="Standing on one leg with the other leg out to the side against the band.",
        dossier_ref="§15 exercise 2",
        progression="side-plank",
        regression="side-lying-hip-abduction",
    ),
    Exercise(
        slug="clamshell",
        name="Clamshell",
        category=Category.STRENGTH,
        targets="Back of the side hip and the muscles that turn the thigh outwards",
        why="These muscles keep the knee in line over the foot; weak ones let the knee roll in.",
        steps=(
            "Lie on your side with hips bent to about 45 degrees and knees bent to 90 degrees.",
            "Put a band just above the knees and keep your feet together.",
            "Open the top knee like a clamshell without rolling your hips back.",
            "Close it slowly.",
        ),
        mistakes=(
            "Rolling the pelvis backwards to lift the knee higher.",
            "Letting the feet come apart.",
            "Rushing the lowering part.",
        ),
        dose=Dose(sets=3, reps=12, each_side=True, load="light band", rest_s=60),
        progress_by="Use a heavier band, or do the clam from a side plank on your knees.",
        regress_by="Leave the band off and open the knee through a smaller range.",
        equipment=(Equipment.MAT, Equipment.BAND),
        evidence=(_FUKUDA, "ITBS pilot progression, 2020 [R23b] (§15)"),
        start_alt="Lying on the side, hips and knees bent, knees together with a band above them.",
        end_alt="Lying on the side, top knee opened upwards against the band, feet still together.",
        dossier_ref="§15 exercise 3",
        progression="side-plank",
    ),
    Exercise(
        slug="hip-external-rotation-band",
        name="Seated hip turn-out with a band",
        category=Category.STRENGTH,
        targets="The deep muscles that turn the thigh outwards",
        why="Controls the inward twist of the thigh that loads the kneecap when you land.",
        steps=(
            "Sit tall on a chair with your knees bent at 90 degrees.",
            "Tie a band round one ankle and fix the other end to the leg of the chair beside you.",
            "Keeping the knee still, swing the foot inwards across the band over 2 seconds.",
            "Pause for 1 second, then return slowly.",
        ),
        mistakes=(
            "Letting the knee move instead of turning at the hip.",
            "Leaning the body to help.",
            "Going further than feels comfortable.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, load="a band that makes 10 hard", rest_s=90),
        progress_by="Use a heavier band, or do it standing on the other leg.",
        regress_by="Use a lighter band, or push the foot against your hand and hold still.",
        equipment=(Equipment.CHAIR, Equipment.BAND),
        evidence=(_FOHX,),
        start_alt="Sitting on a chair, knee bent, a band round the ankle.",
        end_alt="Sitting on a chair, the lower leg turned to pull the band with the knee still.",
        dossier_ref="§15 exercise 4",
        regression="clamshell",
    ),
    Exercise(
        slug="hip-extension",
        name="Standing hip extension",
        category=Category.STRENGTH,
        targets="Buttock muscles (gluteus maximus)",
        why="The big buttock muscles drive you forwards and share the load the thigh muscles "
        "would otherwise carry through the knee.",
        steps=(
            "Stand facing a wall with your hands on it and a band round your ankles.",
            "Start with the working hip slightly bent, foot just off the floor.",
            "Squeeze your buttock and take the leg back until it is under you, over 2 seconds.",
            "Pause, then return slowly. Keep your back still throughout.",
        ),
        mistakes=(
            "Arching the lower back to move the leg further.",
            "Bending the knee to cheat the movement.",
            "Twisting the pelvis open.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, load="a band that makes 10 hard", rest_s=90),
        progress_by="Use a cable or heavier band, or move on to a single-leg Romanian deadlift.",
        regress_by="Go back to a two-leg bridge.",
        equipment=(Equipment.WALL, Equipment.BAND),
        evidence=(_FOHX,),
        start_alt="Standing at a wall, one thigh lifted forwards with the foot off the floor.",
        end_alt="Standing at a wall, the same leg pushed back until it is straight under the body.",
        dossier_ref="§15 exercise 5",
        regression="bridge",
    ),
    Exercise(
        slug="bridge",
        name="Bridge",
        category=Category.STRENGTH,
        targets="Buttocks and the back of the thigh",
        why="Strengthens the hip extensors with the knee at rest, so it rarely hurts the knee.",
        steps=(
            "Lie on your back with knees bent and feet flat, hip-width apart.",
            "Squeeze your buttocks and lift your hips until knees, hips and shoulders line up.",
            "Hold for 2 seconds.",
            "Lower slowly to the floor.",
        ),
        mistakes=(
            "Arching the back instead of lifting with the buttocks.",
            "Letting the knees fall in or out.",
            "Pushing through the toes instead of the heels.",
        ),
        dose=Dose(sets=3, reps=10, hold_s=2, rest_s=60),
        progress_by="Lift one foot off (single-leg bridge), add a band round the knees, "
        "or a weight on the hips.",
        regress_by="Hold for a shorter time and lift less high.",
        equipment=(Equipment.MAT,),
        evidence=("ITBS pilot table: bridge with band 3 x 10-15 [R23b] (§15; PFP use unverified)",),
        start_alt="Lying on the back, knees bent, feet flat on the floor.",
        end_alt="Hips lifted so knees, hips and shoulders make a straight line.",
        dossier_ref="§15 exercise 6",
        progression="hip-extension",
    ),
    Exercise(
        slug="side-plank",
        name="Side plank",
        category=Category.STRENGTH,
        targets="Side of the hip and the trunk",
        why="Works the whole side of the body that keeps the pelvis level when you run.",
        steps=(
            "Lie on your side, propped on your forearm with the elbow under the shoulder.",
            "Bend your knees to start; later keep the legs straight and rest on your feet.",
            "Lift your hips so your body is in a straight line.",
            "Hold, breathing normally, then lower.",
        ),
        mistakes=(
            "Letting the hips sag towards the floor.",
            "Rolling forwards or backwards.",
            "Holding your breath.",
        ),
        dose=Dose(sets=2, hold_s=20, each_side=True, rest_s=45),
        progress_by="Straighten the legs and build to 3 x 45 s, then lift the top leg.",
        regress_by="Keep the knees bent and hold for a shorter time.",
        equipment=(Equipment.MAT,),
        evidence=(
            "Ferber 2015 hip and core protocol [R19] (§15)",
            "ITBS pilot: modified side plank 2 x 30 s in week 1 [R23b] (§15)",
            "A 45-second side plank is a return-to-running criterion [R48b] (§15)",
        ),
        start_alt="Lying on the side propped on one forearm, hips on the floor.",
        end_alt="Hips lifted in a side plank, the body in one straight line.",
        dossier_ref="§15 exercise 7",
        regression="side-lying-hip-abduction",
    ),
    # ---------------------------------------------------------------- knee strengthening
    Exercise(
        slug="quad-set",
        name="Thigh tightening (quad set)",
        category=Category.STRENGTH,
        targets="Front of the thigh (quadriceps), with very little load on the kneecap",
        why="Keeps the thigh muscle switched on when the knee is sore, without bending it.",
        steps=(
            "Sit or lie with your leg straight and a rolled towel under the knee.",
            "Tighten the front of your thigh and press the back of the knee into the towel.",
            "Hold for 5 seconds; you should see the kneecap move up slightly.",
            "Relax fully, then repeat.",
        ),
        mistakes=(
            "Holding your breath.",
            "Lifting the heel by bending the hip instead of tightening the thigh.",
        ),
        dose=Dose(sets=1, reps=10, hold_s=5, each_side=True, rest_s=30),
        progress_by="Hold for 10 seconds, then move on to the straight-leg raise.",
        regress_by="This is the easiest knee exercise; shorten the hold if it hurts.",
        equipment=(Equipment.TOWEL,),
        evidence=("Quadriceps retraining in the Collins 2008 physiotherapy arm [R40c] (§15)",),
        start_alt="Sitting with the leg straight and a rolled towel under the knee, thigh relaxed.",
        end_alt="The same position with the thigh tightened and the knee pressed into the towel.",
        dossier_ref="§15 exercise 8",
        progression="straight-leg-raise",
    ),
    Exercise(
        slug="straight-leg-raise",
        name="Straight-leg raise",
        category=Category.STRENGTH,
        targets="Front of the thigh and the front of the hip",
        why="Strengthens the thigh with the knee straight, where the kneecap is under little "
        "pressure.",
        steps=(
            "Lie on your back, the other knee bent with the foot flat.",
            "Tighten the thigh of the straight leg so the knee is locked.",
            "Lift the leg to the height of the other knee and hold for 3 seconds.",
            "Lower it slowly.",
        ),
        mistakes=(
            "Letting the knee bend as you lift.",
            "Arching the lower back.",
            "Dropping the leg quickly.",
        ),
        dose=Dose(sets=3, reps=10, hold_s=3, each_side=True, rest_s=60),
        progress_by="Add an ankle weight.",
        regress_by="Go back to thigh tightening (quad sets).",
        equipment=(Equipment.MAT, Equipment.ANKLE_WEIGHT),
        evidence=("Common knee programme exercise (§15; unverified)",),
        start_alt="Lying on the back, one knee bent, the other leg straight on the floor.",
        end_alt="The straight leg lifted to the height of the bent knee.",
        dossier_ref="§15 exercise 9",
        progression="wall-sit",
        regression="quad-set",
    ),
    Exercise(
        slug="wall-sit",
        name="Wall sit",
        category=Category.STRENGTH,
        targets="Front of the thigh (holding still)",
        why="A still hold builds thigh strength and often eases knee pain for a while afterwards.",
        steps=(
            "Stand with your back against a wall and your feet about a foot in front of you.",
            "Slide down until your knees are slightly bent, at an angle that does not hurt.",
            "Keep your knees over your feet and hold.",
            "Slide back up to stand.",
        ),
        mistakes=(
            "Going deeper than is comfortable.",
            "Letting the knees fall inwards.",
            "Feet too close to the wall, so the knees go past the toes.",
        ),
        dose=Dose(sets=5, hold_s=30, rest_s=60),
        progress_by="Sit a little deeper (never below a right angle) or shift weight to one leg.",
        regress_by="Stay higher up the wall and hold for less time.",
        equipment=(Equipment.WALL,),
        evidence=("Fukuda closed-chain work at 0-45 degrees [R18] (§15; dose unverified)",),
        start_alt="Standing with the back against a wall, feet a step in front.",
        end_alt="Sliding down the wall with the knees bent to a comfortable angle, holding still.",
        dossier_ref="§15 exercise 10",
        progression="squat",
        regression="straight-leg-raise",
    ),
    Exercise(
        slug="squat",
        name="Squat",
        category=Category.STRENGTH,
        targets="Front of the thigh and the buttocks",
        why="The basic movement of sitting, climbing and landing; a strong, controlled squat "
        "makes everyday loads easier on the knee.",
        steps=(
            "Stand with your feet hip-width apart, arms forwards for balance.",
            "Push your hips back and bend your knees as if sitting onto a high chair.",
            "Go only as deep as is comfortable; start with a quarter squat.",
            "Push through your heels to stand up.",
        ),
        mistakes=(
            "Knees falling inwards.",
            "Heels lifting off the floor.",
            "Going deeper than your pain allows.",
        ),
        dose=Dose(sets=3, reps=10, rest_s=90),
        progress_by="Hold a weight at your chest, or gradually go deeper.",
        regress_by="Sit down to and stand up from a high chair, or squat less deep.",
        equipment=(),
        evidence=(
            "Fukuda closed-chain 0-45 degrees [R18] (§15; unverified)",
            "Hansen 2023 quadriceps programme [R24] (§15)",
        ),
        start_alt="Standing tall, feet hip-width apart, arms forwards.",
        end_alt="Quarter squat with hips back and knees over the feet.",
        dossier_ref="§15 exercise 11",
        progression="split-squat",
        regression="wall-sit",
    ),
    Exercise(
        slug="leg-press",
        name="Leg press",
        category=Category.STRENGTH,
        targets="Front of the thigh",
        why="Lets you load the thigh precisely and in a range that is kind to the kneecap.",
        steps=(
            "Sit in the machine with your feet hip-width apart on the plate.",
            "Start with the knees bent only a little, about 45 degrees.",
            "Push the plate away until the legs are nearly straight, without locking the knees.",
            "Let it come back slowly to the start.",
        ),
        mistakes=(
            "Letting the knees bend further than the comfortable range.",
            "Locking the knees hard at the top.",
            "Lifting the hips off the seat.",
        ),
        dose=Dose(sets=3, reps=10, load=_TEN_TO_TWELVE_RM, rest_s=90),
        progress_by="Add load, widen the range slowly, or press with one leg.",
        regress_by="Use a lighter load or a smaller range.",
        equipment=(Equipment.GYM_MACHINE,),
        evidence=(_FUKUDA,),
        start_alt="Sitting in a leg press with the knees bent, feet on the plate.",
        end_alt="Legs pushed out nearly straight against the plate.",
        dossier_ref="§15 exercise 12",
        progression="squat",
        regression="seated-knee-extension",
    ),
    Exercise(
        slug="seated-knee-extension",
        name="Seated knee straightening",
        category=Category.STRENGTH,
        targets="Front of the thigh",
        why="Works the thigh on its own, in the part of the range that puts least pressure on the "
        "kneecap.",
        steps=(
            "Sit on a chair with an ankle weight on, knees bent at a right angle.",
            "Straighten the knee halfway, to about 45 degrees, over 2 seconds.",
            "Pause for 1 second.",
            "Lower slowly back to the start.",
        ),
        mistakes=(
            "Kicking the leg up fast.",
            "Straightening all the way before the knee is ready.",
            "Leaning back in the chair.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, load=_TEN_TO_TWELVE_RM, rest_s=90),
        progress_by="Add weight, and slowly work towards a straight knee as pain allows.",
        regress_by="Use less weight, or hold the knee still at about 60 degrees.",
        equipment=(Equipment.CHAIR, Equipment.ANKLE_WEIGHT),
        evidence=(_FUKUDA,),
        start_alt="Sitting on a chair with the knee bent at a right angle, weight on the ankle.",
        end_alt="The lower leg lifted halfway, knee bent about 45 degrees.",
        dossier_ref="§15 exercise 13",
        progression="leg-press",
        regression="quad-set",
    ),
    Exercise(
        slug="lateral-step-down",
        name="Side step-down",
        category=Category.STRENGTH,
        targets="Front of the thigh (lowering) and control of the hip",
        why="Trains the thigh to lower your weight slowly with the knee in line, which is exactly "
        "what running downhill and stairs ask of it.",
        steps=(
            "Stand side-on on a low step (10-20 cm) on the working leg.",
            "Keep the knee over the second toe and the hips level.",
            "Slowly lower the other heel towards the floor beside the step.",
            "Touch lightly and straighten back up.",
        ),
        mistakes=(
            "Knee falling inwards past the big toe.",
            "Dropping the free hip.",
            "Landing on the floor instead of touching lightly.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, rest_s=90),
        progress_by="Use a higher step, lower more slowly, or step down forwards.",
        regress_by="Use a lower step and hold on to something.",
        equipment=(Equipment.STEP,),
        evidence=(
            "Ten 20-cm lateral step-downs are a return-to-running criterion [R48b] (§15)",
            "Step-down used as an outcome in Hott 2020 [R25] (§15)",
        ),
        start_alt="Standing on one leg on a low step, the other foot beside the step.",
        end_alt="The standing knee bent to lower the other heel towards the floor.",
        dossier_ref="§15 exercise 14",
        progression="single-leg-squat-to-box",
        regression="step-up",
    ),
    Exercise(
        slug="single-leg-squat-to-box",
        name="One-leg squat to a box",
        category=Category.STRENGTH,
        targets="Hip and knee working together",
        why="Brings the hip and thigh work together into the single-leg control running needs.",
        steps=(
            "Stand on one leg in front of a box or chair.",
            "Keep the knee over the foot, the pelvis level and the trunk upright.",
            "Sit back slowly until you touch the box, without flopping down.",
            "Stand back up on the same leg.",
        ),
        mistakes=(
            "Knee falling inwards.",
            "Pelvis dropping on the free side.",
            "Dropping onto the box.",
        ),
        dose=Dose(sets=3, reps=8, each_side=True, rest_s=90),
        progress_by="Use a lower box, hold a weight, or squat without a box.",
        regress_by="Use a higher box and hold on to a support.",
        equipment=(Equipment.CHAIR,),
        evidence=(
            "Ten single-leg squats are a return-to-running criterion [R48b] (§15)",
            "Single-leg squat quality in the US guideline [R12] (§15; unverified)",
        ),
        start_alt="Standing on one leg in front of a chair, the other foot just off the floor.",
        end_alt="Sitting back on one leg until just touching the chair.",
        dossier_ref="§15 exercise 15",
        regression="lateral-step-down",
    ),
    Exercise(
        slug="split-squat",
        name="Split squat",
        category=Category.STRENGTH,
        targets="Front of the thigh and the buttocks",
        why="Loads one leg at a time in a stable stance, a step towards single-leg strength.",
        steps=(
            "Stand with one foot a long stride in front of the other.",
            "Lower your back knee towards the floor, keeping the trunk upright.",
            "Keep the front knee over the front foot.",
            "Push up through the front heel.",
        ),
        mistakes=(
            "Front knee falling inwards.",
            "Leaning the trunk far forwards.",
            "Stance so narrow that you wobble.",
        ),
        dose=Dose(sets=3, reps=8, each_side=True, rest_s=90),
        progress_by="Turn it into walking lunges, or hold weights.",
        regress_by="Hold on to a support and go less deep.",
        equipment=(),
        evidence=("Common strengthening exercise (§15; unverified)",),
        start_alt="Standing in a long stride, one foot in front of the other.",
        end_alt="Both knees bent, the back knee lowered towards the floor.",
        dossier_ref="§15 exercise 16",
        progression="single-leg-squat-to-box",
        regression="squat",
    ),
    Exercise(
        slug="step-up",
        name="Step-up",
        category=Category.STRENGTH,
        targets="Front of the thigh and the buttocks",
        why="Builds the strength for stairs and hills, one leg at a time.",
        steps=(
            "Stand facing a step and put one whole foot on it.",
            "Push through that heel to stand up on the step.",
            "Do not push off with the back foot.",
            "Step back down slowly with the other leg.",
        ),
        mistakes=(
            "Pushing off the floor with the back leg.",
            "Knee falling inwards on the step.",
            "Leaning far forwards.",
        ),
        dose=Dose(sets=3, reps=10, each_side=True, rest_s=90),
        progress_by="Use a higher step or hold weights.",
        regress_by="Use a lower step.",
        equipment=(Equipment.STEP,),
        evidence=("Common strengthening exercise (§15; unverified)",),
        start_alt="Standing in front of a step with one foot on it.",
        end_alt="Standing on the step on that leg, the other foot lifted.",
        dossier_ref="§15 exercise 17",
        progression="lateral-step-down",
        regression="squat",
    ),
    Exercise(
        slug="calf-raise",
        name="Calf raise",
        category=Category.STRENGTH,
        targets="Calf muscles (gastrocnemius and soleus)",
        why="Strong calves absorb much of the landing force in running, sparing the knee.",
        steps=(
            "Stand on both feet, fingertips on a wall for balance.",
            "Rise up onto the balls of your feet as high as you can.",
            "Pause at the top.",
            "Lower slowly. Repeat some with the knees slightly bent.",
        ),
        mistakes=(
            "Rolling out onto the little toes.",
            "Bouncing instead of lowering slowly.",
        ),
        dose=Dose(sets=3, reps=15, rest_s=60),
        progress_by="Rise on one leg, then from the edge of a step, then holding a weight.",
        regress_by="Do it sitting down with a weight on the knees.",
        equipment=(Equipment.WALL,),
        evidence=(
            "Runner strength work (§15; unverified)",
            "Return-to-running programmes [R49b] (§15)",
        ),
        start_alt="Standing on both feet, fingertips on a wall.",
        end_alt="Risen up high on the balls of both feet.",
        dossier_ref="§15 exercise 18",
    ),
    # ---------------------------------------------------------------- stretches
    Exercise(
        slug="quadriceps-stretch",
        name="Front-of-thigh stretch",
        category=Category.STRETCH,
        targets="Front of the thigh (quadriceps)",
        why="A tight front thigh pulls on the kneecap; stretching it can make bending easier.",
        steps=(
            "Stand tall holding a wall with one hand.",
            "Bend one knee and hold the ankle behind you.",
            "Tuck your bottom under and bring the knee back in line with the other.",
            "Hold a gentle stretch at the front of the thigh, then swap.",
        ),
        mistakes=(
            "Arching the back.",
            "Letting the bent knee drift forwards or outwards.",
            "Pulling so hard that the knee hurts.",
        ),
        dose=Dose(sets=3, hold_s=30, each_side=True, rest_s=10),
        progress_by="Push the hip slightly forwards as well.",
        regress_by="Lie on your side and use a strap round the ankle.",
        equipment=(Equipment.WALL,),
        evidence=("Fukuda and Collins programmes [R18, R40c] (§15); dose unverified (§14)",),
        start_alt="Standing tall with one hand on the wall.",
        end_alt="Holding one ankle behind, heel towards the buttock, knees side by side.",
        dossier_ref="§15 stretch S1",
    ),
    Exercise(
        slug="hamstring-stretch",
        name="Back-of-thigh stretch",
        category=Category.STRETCH,
        targets="Back of the thigh (hamstrings)",
        why="Tight hamstrings make the knee work harder; this stretch was part of effective "
        "physiotherapy for runner's knee.",
        steps=(
            "Lie on your back with a strap or towel round one foot.",
            "Keep the other leg flat on the floor.",
            "Raise the strapped leg, knee straight, until you feel a gentle pull behind the thigh.",
            "Hold, breathing calmly, then swap.",
        ),
        mistakes=(
            "Lifting the head and shoulders.",
            "Bending the other knee up.",
            "Pulling into pain.",
        ),
        dose=Dose(sets=3, hold_s=30, each_side=True, rest_s=10),
        progress_by="Hold a little longer; there is no need to pull harder.",
        regress_by="Keep the knee slightly bent.",
        equipment=(Equipment.MAT, Equipment.STRAP),
        evidence=("Hamstring stretches in the Collins 2008 physiotherapy arm [R40c] (§14, §15)",),
        start_alt="Lying on the back, a strap looped round one foot.",
        end_alt="The strapped leg raised straight up, the other leg flat on the floor.",
        dossier_ref="§15 stretch S2",
    ),
    Exercise(
        slug="calf-stretch",
        name="Calf stretch at the wall",
        category=Category.STRETCH,
        targets="Calf: the upper calf with the knee straight, the lower calf with it bent",
        why="Stiff calves change how the foot and knee take up landing forces.",
        steps=(
            "Face a wall with your hands on it and one foot a stride behind the other.",
            "Keep the back heel down and the back knee straight; lean in until the calf pulls.",
            "Hold, then bend the back knee slightly, heel still down, to feel it lower down.",
            "Hold again, then swap legs.",
        ),
        mistakes=(
            "Letting the back heel lift.",
            "Turning the back foot outwards.",
        ),
        dose=Dose(sets=3, hold_s=30, each_side=True, rest_s=10),
        progress_by="Stretch with the heel hanging off a step.",
        regress_by="Sit with a towel round the foot and pull the toes gently towards you.",
        equipment=(Equipment.WALL,),
        evidence=("Common stretch (§14, §15; dose unverified)",),
        start_alt="Leaning into a wall, back leg straight with the heel down.",
        end_alt="The same lean with the back knee bent and the heel still down.",
        dossier_ref="§15 stretch S3",
    ),
    Exercise(
        slug="hip-flexor-stretch",
        name="Front-of-hip stretch",
        category=Category.STRETCH,
        targets="Front of the hip (iliopsoas) and the top of the thigh",
        why="Runners often get tight at the front of the hip; this was part of effective "
        "physiotherapy for runner's knee.",
        steps=(
            "Kneel on one knee on a cushion, the other foot flat in front.",
            "Tuck your bottom under and stand tall.",
            "Shift gently forwards until the front of the back hip stretches.",
            "Hold, then swap.",
        ),
        mistakes=(
            "Arching the lower back.",
            "Front knee going far past the toes.",
        ),
        dose=Dose(sets=3, hold_s=30, each_side=True, rest_s=10),
        progress_by="Reach the arm on the kneeling side up over your head.",
        regress_by="Do it standing in a long stride instead of kneeling.",
        equipment=(Equipment.MAT,),
        evidence=("Anterior hip stretches in the Collins 2008 physiotherapy arm [R40c] (§15)",),
        start_alt="Half-kneeling on one knee, trunk upright.",
        end_alt="Half-kneeling, the hips shifted forwards to stretch the front of the back hip.",
        dossier_ref="§15 stretch S4",
    ),
    Exercise(
        slug="itb-stretch",
        name="Outer-hip stretch",
        category=Category.STRETCH,
        targets="Outside of the hip (tensor fasciae latae)",
        why="Eases tightness on the outside of the hip and thigh, if you feel it there.",
        steps=(
            "Stand side-on to a wall, the leg to be stretched nearest the wall.",
            "Cross that leg behind the other.",
            "Lean your hips towards the wall until you feel a stretch on the outside of the hip.",
            "Hold, then swap.",
        ),
        mistakes=(
            "Bending forwards at the waist.",
            "Twisting the trunk.",
        ),
        dose=Dose(sets=3, hold_s=30, each_side=True, rest_s=10),
        progress_by="Reach the outside arm over your head.",
        regress_by="Lie on your side and let the top leg hang behind you.",
        equipment=(Equipment.WALL,),
        evidence=("Mobility subgroup in the US guideline [R12] (§15; unverified)",),
        start_alt="Standing beside a wall with one hand on it.",
        end_alt="Legs crossed, hips leaning sideways towards the wall.",
        dossier_ref="§15 stretch S5",
    ),
    # ---------------------------------------------------------------- pre-run warm-up
    Exercise(
        slug="brisk-walk",
        name="Brisk walk or easy jog",
        category=Category.WARM_UP,
        targets="Heart, lungs and the running muscles",
        why="Warms the muscles and joints gently before you ask more of them.",
        steps=(
            "Walk briskly, or jog very easily, for 5 minutes.",
            "Keep it easy enough to talk in full sentences.",
        ),
        mistakes=("Starting fast.",),
        dose=Dose(sets=1, hold_s=300, rest_s=0),
        progress_by="Extend to 10 minutes before harder runs.",
        regress_by="Walk only.",
        equipment=(),
        evidence=(
            "Warm-up of 10-15 min in clinical run programmes [R50]; content unverified (§14)",
        ),
        start_alt="Walking briskly, arms swinging.",
        end_alt="Jogging easily with short steps.",
        dossier_ref="§14 warm-up",
    ),
    Exercise(
        slug="leg-swings",
        name="Leg swings",
        category=Category.WARM_UP,
        targets="Hips and thighs",
        why="Moves the hip through the range it will use in the run.",
        steps=(
            "Hold a wall or post for balance.",
            "Swing one leg forwards and back, relaxed, gradually a little higher.",
            "Swap legs.",
        ),
        mistakes=("Swinging so high that the back rounds.",),
        dose=Dose(sets=1, reps=10, each_side=True, rest_s=0),
        progress_by="Add side-to-side swings across the body.",
        regress_by="Smaller swings.",
        equipment=(Equipment.WALL,),
        evidence=("Dynamic drills as expert convention (§14; unverified)",),
        start_alt="Standing on one leg by a wall, the other leg swung back.",
        end_alt="The same leg swung forwards, knee relaxed.",
        dossier_ref="§14 warm-up",
    ),
    Exercise(
        slug="walking-lunges",
        name="Walking lunges",
        category=Category.WARM_UP,
        targets="Thighs and buttocks",
        why="Wakes up the thigh and buttock muscles through a running-like range.",
        steps=(
            "Take a long step forwards and bend both knees a little.",
            "Push up and bring the back foot through into the next lunge.",
            "Stay shallow; this is a warm-up, not a workout.",
        ),
        mistakes=("Going deep enough to hurt the knee.", "Front knee falling inwards."),
        dose=Dose(sets=1, reps=10, rest_s=0),
        progress_by="Add a twist of the trunk over the front leg.",
        regress_by="Shorter, shallower steps.",
        equipment=(),
        evidence=("Dynamic drills as expert convention (§14; unverified)",),
        start_alt="Standing tall, ready to step forwards.",
        end_alt="A shallow lunge, both knees slightly bent.",
        dossier_ref="§14 warm-up",
    ),
    Exercise(
        slug="high-knees",
        name="High knees",
        category=Category.WARM_UP,
        targets="Hip flexors and running rhythm",
        why="Practises quick, light steps and lifts the heart rate before the run.",
        steps=(
            "Jog on the spot or slowly forwards.",
            "Lift each knee towards hip height with quick, light steps.",
            "Keep the trunk tall.",
        ),
        mistakes=("Leaning back.", "Landing heavily."),
        dose=Dose(sets=2, hold_s=20, rest_s=20),
        progress_by="Move forwards a little faster.",
        regress_by="March instead of jogging.",
        equipment=(),
        evidence=("Dynamic drills as expert convention (§14; unverified)",),
        start_alt="Standing tall on the balls of the feet.",
        end_alt="One knee lifted to hip height, opposite arm forwards.",
        dossier_ref="§14 warm-up",
    ),
    Exercise(
        slug="butt-kicks",
        name="Heel flicks",
        category=Category.WARM_UP,
        targets="Back of the thigh and the running rhythm",
        why="Loosens the back of the thigh and practises a quick leg recovery.",
        steps=(
            "Jog on the spot or slowly forwards.",
            "Flick each heel up towards your bottom.",
            "Keep the knees pointing down.",
        ),
        mistakes=("Bringing the knees forwards.", "Slapping the feet down."),
        dose=Dose(sets=2, hold_s=20, rest_s=20),
        progress_by="Move forwards a little faster.",
        regress_by="Walk and lift the heels gently.",
        equipment=(),
        evidence=("Dynamic drills as expert convention (§14; unverified)",),
        start_alt="Standing tall on the balls of the feet.",
        end_alt="One heel flicked up towards the buttock, knee pointing down.",
        dossier_ref="§14 warm-up",
    ),
)

WARM_UP_SLUGS: tuple[str, ...] = (
    "brisk-walk",
    "leg-swings",
    "walking-lunges",
    "high-knees",
    "butt-kicks",
)
"""The pre-run warm-up in order: 5 min easy walk or jog, then dynamic drills (clinical.md §14)."""

_BY_SLUG: dict[str, Exercise] = {exercise.slug: exercise for exercise in LIBRARY}


def get_exercise(slug: str) -> Exercise:
    """The library entry named ``slug``; raises ``ExerciseError`` when there is none."""
    try:
        return _BY_SLUG[slug]
    except KeyError:
        raise ExerciseError(f"There is no exercise called {slug!r} in the library.") from None


def by_category(category: Category) -> tuple[Exercise, ...]:
    """The library entries of one category, in library order."""
    return tuple(exercise for exercise in LIBRARY if exercise.category is category)


def chain(slug: str, *, harder: bool) -> tuple[Exercise, ...]:
    """The exercises reached by following progression (or regression) links from ``slug``.

    Raises ``ExerciseError`` if the links loop back on themselves.
    """
    seen = [slug]
    current = get_exercise(slug)
    result: list[Exercise] = []
    while (nxt := current.progression if harder else current.regression) is not None:
        if nxt in seen:
            raise ExerciseError(f"The links from {slug!r} go round in a loop at {nxt!r}.")
        seen.append(nxt)
        current = get_exercise(nxt)
        result.append(current)
    return tuple(result)


_DOSSIER_MARK = re.compile(r"\s*\[R[^\]]*\]")
_SECTION_NOTE = re.compile(r"\s*\([^)]*§[^)]*\)")
_UNCONFIRMED = ("unverified", "not retrieved")


def plain_source(ref: str) -> str:
    """An evidence reference as a runner reads it, without the dossier's [R#] and § markers."""
    hidden = "".join(_SECTION_NOTE.findall(ref))
    text = _SECTION_NOTE.sub("", _DOSSIER_MARK.sub("", ref)).replace(
        "unverified", "not yet confirmed"
    )
    if any(word in hidden for word in _UNCONFIRMED):
        text += " (details not yet confirmed)"
    return text

"""The knee symptom checker: its questions as data, and the rules that turn answers into advice.

The checker never diagnoses. It asks about warning signs first, then (after a recent injury)
proxies for the Ottawa knee rule, then the usual pattern of runner's knee, then features that point
to other causes. Each rule escalates only: no answer ever lowers the level another answer set, and
nothing here ever says that an X-ray or an assessment is not needed.

Sources are sections of the project's clinical dossier (``clinical.md``) with its reference numbers.
The FHIR form of the questions lives in :mod:`kneeclinic.domain.triage_fhir`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

QUESTIONNAIRE_VERSION = "1.0.0"

AnswerValue = bool | int | str | tuple[str, ...]
Answers = Mapping[str, AnswerValue]


class TriageError(ValueError):
    """Answers the checker cannot use, with a message that names the question."""


class Level(enum.StrEnum):
    """How soon to get help, from least to most urgent."""

    SELF_CARE = "self_care"
    SOON = "soon"
    URGENT_SAME_DAY = "urgent_same_day"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Section(enum.StrEnum):
    RED_FLAGS = "red_flags"
    INJURY = "injury"
    PATTERN = "pattern"
    OTHER_CAUSES = "other_causes"


SECTION_TITLES: dict[Section, str] = {
    Section.RED_FLAGS: "Warning signs",
    Section.INJURY: "About you and any injury",
    Section.PATTERN: "Your knee pain",
    Section.OTHER_CAUSES: "Other things your physio or GP will want to know",
}


class AnswerType(enum.StrEnum):
    BOOLEAN = "boolean"
    INTEGER = "integer"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class EnableWhen:
    """Ask the question only when another answer meets this condition."""

    question_id: str
    operator: str  # "=", "<" or ">="
    value: bool | int

    def holds(self, answers: Answers) -> bool:
        given = answers.get(self.question_id)
        if given is None or isinstance(given, (str, tuple)):
            return False
        if self.operator == "=":
            return given is self.value if isinstance(self.value, bool) else given == self.value
        if isinstance(given, bool):
            return False
        if self.operator == "<":
            return given < self.value
        return given >= self.value


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    section: Section
    text: str
    help_text: str
    answer_type: AnswerType
    options: tuple[Option, ...] = ()
    enable_when: EnableWhen | None = None
    min_value: int | None = None
    max_value: int | None = None

    def option_text(self, code: str) -> str:
        for option in self.options:
            if option.code == code:
                return option.text
        raise TriageError(f"'{code}' is not one of the answers to '{self.id}'.")

    def describe(self, value: AnswerValue) -> str:
        """The answer in words, as shown beside a reason."""
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return self.option_text(value)
        return ", ".join(self.option_text(code) for code in value) or "None of these"


B = AnswerType.BOOLEAN
AFTER_INJURY = EnableWhen("recent_injury", "=", True)
UNDER_18 = EnableWhen("age_years", "<", 18)
AGED_45_OR_OVER = EnableWhen("age_years", ">=", 45)

QUESTIONS: tuple[Question, ...] = (
    # Warning signs first: any "yes" here that means an emergency stops the checker (§3).
    Question(
        "breathless_or_chest_pain",
        Section.RED_FLAGS,
        "Are you short of breath, or do you have chest pain that is worse when you breathe in, "
        "or are you coughing up blood?",
        "Answer yes if any of these started recently, with or without a swollen calf.",
        B,
    ),
    Question(
        "very_unwell",
        Section.RED_FLAGS,
        "Do you feel very unwell, for example confused, very drowsy, breathing very fast, or "
        "with skin that looks blotchy, pale or blue?",
        "These can be signs of a serious infection spreading through the body.",
        B,
    ),
    Question(
        "cannot_bear_weight",
        Section.RED_FLAGS,
        "Are you unable to put weight on the leg, or unable to take four steps even with a limp?",
        "Four steps means putting your weight on each leg twice.",
        B,
    ),
    Question(
        "deformity_after_injury",
        Section.RED_FLAGS,
        "After an injury, has your knee changed shape, did you hear a crack, or is the kneecap "
        "out of its usual place?",
        "Answer no if you have not had an injury.",
        B,
    ),
    Question(
        "cannot_straighten_after_fall",
        Section.RED_FLAGS,
        "After a fall or a jump, can you not straighten your knee or lift your leg up straight, "
        "or can you feel a gap just above or below the kneecap?",
        "Lie on your back and try to lift the whole leg with the knee straight.",
        B,
    ),
    Question(
        "numb_or_cold_foot",
        Section.RED_FLAGS,
        "Is your leg or foot numb, tingling, weak, cold, pale or blue?",
        "Compare it with the other foot.",
        B,
    ),
    Question(
        "hot_swollen_with_fever",
        Section.RED_FLAGS,
        "Is your knee hot, swollen and red, and do you have a high temperature, feel hot and "
        "shivery, or feel generally unwell?",
        "This matters most if the pain started suddenly.",
        B,
    ),
    Question(
        "calf_swelling_one_leg",
        Section.RED_FLAGS,
        "Do you have throbbing or cramping pain, swelling, or warm, red or darkened skin in one "
        "calf or thigh?",
        "Answer yes if only one leg is affected.",
        B,
    ),
    Question(
        "rapid_swelling_after_injury",
        Section.RED_FLAGS,
        "Did your knee swell up quickly, within hours, after an injury?",
        "For example after a twist, a fall or a landing, with swelling the same day.",
        B,
    ),
    Question(
        "locked_knee",
        Section.RED_FLAGS,
        "Is your knee stuck and you cannot straighten it fully, even when you try gently?",
        "Stiffness that eases as you move is different: answer no for that.",
        B,
    ),
    Question(
        "badly_swollen_or_giving_way",
        Section.RED_FLAGS,
        "Is your knee very painful and badly swollen, or does it keep giving way?",
        "Giving way means the knee suddenly buckles under you.",
        B,
    ),
    Question(
        "night_pain_weight_loss",
        Section.RED_FLAGS,
        "Do you have constant pain that is also there at night and at rest and is not eased by "
        "painkillers, or have you lost weight without trying, or found a hard lump near the knee?",
        "Answer yes if any one of these is true.",
        B,
    ),
    Question(
        "young_with_limp",
        Section.RED_FLAGS,
        "Are you under 18, and are you limping, or does your hip, groin or thigh hurt as well?",
        "In young people, a problem in the hip can be felt in the knee.",
        B,
    ),
    Question(
        "several_joints_swollen",
        Section.RED_FLAGS,
        "Are several of your joints swollen, or are your joints stiff for more than 30 minutes "
        "after you get up in the morning?",
        "Think of the last few weeks.",
        B,
    ),
    # About you, and the Ottawa knee rule questions after a recent injury (§4).
    Question(
        "age_years",
        Section.INJURY,
        "How old are you?",
        "In whole years. Some causes of knee pain are more common at certain ages.",
        AnswerType.INTEGER,
        min_value=5,
        max_value=110,
    ),
    Question(
        "recent_injury",
        Section.INJURY,
        "Did the pain start with an injury in the last 7 days, such as a fall, a twist, a knock "
        "or an awkward landing?",
        "Answer no if the pain came on gradually.",
        B,
    ),
    Question(
        "ottawa_four_steps",
        Section.INJURY,
        "Straight after the injury, could you not take four steps, and is that still true now?",
        "Four steps means putting your weight on each leg twice, even with a limp.",
        B,
        enable_when=AFTER_INJURY,
    ),
    Question(
        "ottawa_cannot_bend",
        Section.INJURY,
        "Can you not bend the knee to a right angle, like when sitting on a chair?",
        "Try gently, without forcing it.",
        B,
        enable_when=AFTER_INJURY,
    ),
    Question(
        "ottawa_kneecap_tender",
        Section.INJURY,
        "Is there a spot on the kneecap itself that is very tender when you press it?",
        "Press gently with your fingertips.",
        B,
        enable_when=AFTER_INJURY,
    ),
    Question(
        "ottawa_outer_bump_tender",
        Section.INJURY,
        "Is the bony bump on the outer side of the leg, just below the knee, very tender when "
        "you press it?",
        "The bump is at the top of the thinner bone of the lower leg, a little behind the side.",
        B,
        enable_when=AFTER_INJURY,
    ),
    # The usual pattern of runner's knee (§1.1, §1.2).
    Question(
        "pain_location",
        Section.PATTERN,
        "Where does your knee hurt most?",
        "Choose the answer that fits best.",
        AnswerType.CHOICE,
        options=(
            Option("around_kneecap", "Around or behind the kneecap"),
            Option("below_kneecap", "Just below the kneecap"),
            Option("inner_side", "On the inner side of the knee"),
            Option("outer_side", "On the outer side of the knee"),
            Option("back_of_knee", "At the back of the knee"),
            Option("hard_to_say", "All over, or hard to say"),
        ),
    ),
    Question(
        "aggravating_activities",
        Section.PATTERN,
        "Which of these bring the pain on or make it worse?",
        "Choose all that apply, or none of these.",
        AnswerType.MULTI_CHOICE,
        options=(
            Option("squatting", "Squatting"),
            Option("stairs", "Going up or down stairs"),
            Option("sitting", "Sitting for a long time with your knees bent"),
            Option("running", "Running"),
        ),
    ),
    Question(
        "gradual_onset",
        Section.PATTERN,
        "Did the pain come on gradually, rather than all at once?",
        "Runner's knee usually builds up over days or weeks.",
        B,
    ),
    Question(
        "duration",
        Section.PATTERN,
        "How long have you had this pain?",
        "Count from when it first started, even if it has come and gone.",
        AnswerType.CHOICE,
        options=(
            Option("under_2_weeks", "Less than 2 weeks"),
            Option("2_to_6_weeks", "2 to 6 weeks"),
            Option("6_weeks_to_3_months", "6 weeks to 3 months"),
            Option("3_to_12_months", "3 to 12 months"),
            Option("over_12_months", "More than 12 months"),
        ),
    ),
    Question(
        "not_better_with_self_care",
        Section.PATTERN,
        "Have you already tried a few weeks of rest or lighter training without it getting "
        "better, or does the pain keep coming back, or stop you doing your usual activities?",
        "Answer yes if any of these is true.",
        B,
    ),
    # Features that point to other common causes (§2): things to mention, never a diagnosis.
    Question(
        "outer_pain_during_run",
        Section.OTHER_CAUSES,
        "Do you get a sharp or burning pain on the outer side of the knee that comes on during "
        "a run, especially downhill?",
        "It often starts at about the same point in each run.",
        B,
    ),
    Question(
        "pain_below_kneecap_jumping",
        Section.OTHER_CAUSES,
        "Is the pain in one small spot just below the kneecap, and worse with jumping or landing?",
        "You might be able to point to it with one finger.",
        B,
    ),
    Question(
        "catching_or_giving_way",
        Section.OTHER_CAUSES,
        "Does your knee catch, click painfully or give way, with pain along the inner or outer "
        "side of the joint?",
        "Painless clicking or crackling alone is common and not a worry.",
        B,
    ),
    Question(
        "kneecap_slips",
        Section.OTHER_CAUSES,
        "Does your kneecap feel as if it slips out of place, or has it ever come out of place?",
        "Some people feel nervous moving the knee because of this.",
        B,
    ),
    Question(
        "bony_spot_worse_running",
        Section.OTHER_CAUSES,
        "Is there one spot on a bone that is very tender to press, with pain that gets worse "
        "the longer you run or when you hop?",
        "This is more likely after a quick increase in running.",
        B,
    ),
    Question(
        "groin_pain_running",
        Section.OTHER_CAUSES,
        "Do you have a deep ache in the groin or the front of the hip that gets worse as you "
        "run, or hurts when you hop?",
        "Answer no if you do not have pain in the groin or hip.",
        B,
    ),
    Question(
        "hip_or_back_pain",
        Section.OTHER_CAUSES,
        "Do you also have pain in your hip or lower back, or pain that spreads down the leg?",
        "Pain from the hip or back can be felt in the knee.",
        B,
    ),
    Question(
        "swelling_front_of_kneecap",
        Section.OTHER_CAUSES,
        "Is there a soft swelling on the front of the kneecap or just below it that hurts when "
        "you kneel?",
        "A swelling that is also hot and red needs checking the same day.",
        B,
    ),
    Question(
        "bump_below_kneecap",
        Section.OTHER_CAUSES,
        "Is there a tender bony bump at the top of the shin, just below the kneecap?",
        "This is common in active young people who are still growing.",
        B,
        enable_when=UNDER_18,
    ),
    Question(
        "short_morning_stiffness",
        Section.OTHER_CAUSES,
        "Does the pain come with activity, and is the knee stiff for no longer than 30 minutes "
        "in the morning, or not stiff at all?",
        "From your mid-forties, wear in the joint becomes a more common cause of knee pain.",
        B,
        enable_when=AGED_45_OR_OVER,
    ),
)

QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}

# Thresholds (named so the rules below read like the dossier).
OTTAWA_AGE_YEARS = 55  # Ottawa knee rule: age 55 or older (§4.1, Stiell 1995/1996).
OTTAWA_PROXIES = (
    "ottawa_four_steps",
    "ottawa_cannot_bend",
    "ottawa_kneecap_tender",
    "ottawa_outer_bump_tender",
)
PATTERN_LOCATION = "around_kneecap"  # pain around or behind the kneecap (§1.1, Crossley 2016).
PATTERN_ACTIVITIES = frozenset({"squatting", "stairs", "sitting", "running"})
LONG_DURATION = "over_12_months"  # more than 12 months predicts a slower recovery (§1.4).


def is_enabled(question: Question, answers: Answers) -> bool:
    """Whether the question is asked, given the answers so far."""
    return question.enable_when is None or question.enable_when.holds(answers)


def validate_answer(question: Question, value: object) -> AnswerValue:
    """Check one answer against its question and return it in its canonical form."""
    kind = question.answer_type
    if kind is AnswerType.BOOLEAN:
        if not isinstance(value, bool):
            raise TriageError(f"'{question.id}' needs a yes or no answer.")
        return value
    if kind is AnswerType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TriageError(f"'{question.id}' needs a whole number.")
        low, high = question.min_value, question.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            raise TriageError(f"'{question.id}' must be between {low} and {high}, not {value}.")
        return value
    if kind is AnswerType.CHOICE:
        if not isinstance(value, str):
            raise TriageError(f"'{question.id}' needs one of its listed answers.")
        question.option_text(value)
        return value
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise TriageError(f"'{question.id}' needs a list of its listed answers.")
    for code in value:
        question.option_text(code)
    if len(set(value)) != len(value):
        raise TriageError(f"'{question.id}' lists the same answer twice.")
    order = [option.code for option in question.options]
    return tuple(sorted(value, key=order.index))


def validate_answers(answers: Mapping[str, object]) -> dict[str, AnswerValue]:
    """Check every answer: known question, right kind of value, asked at all."""
    clean: dict[str, AnswerValue] = {}
    for question_id, value in answers.items():
        question = QUESTIONS_BY_ID.get(question_id)
        if question is None:
            raise TriageError(f"'{question_id}' is not a question in this checker.")
        clean[question_id] = validate_answer(question, value)
    for question_id in clean:
        question = QUESTIONS_BY_ID[question_id]
        if not is_enabled(question, clean):
            raise TriageError(
                f"'{question_id}' was answered but is only asked when "
                f"'{question.enable_when.question_id if question.enable_when else ''}' allows it."
            )
    return clean


def next_question(answers: Answers) -> Question | None:
    """The next question to ask, or None when the checker is done (or must stop now)."""
    if stops_early(answers):
        return None
    for question in QUESTIONS:
        if question.id not in answers and is_enabled(question, answers):
            return question
    return None


def missing_questions(answers: Answers) -> list[Question]:
    """Questions that should have been answered and were not."""
    if stops_early(answers):
        return []
    return [q for q in QUESTIONS if q.id not in answers and is_enabled(q, answers)]


# --- Rules -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One reason to raise the level, with the answers it reads and its source."""

    id: str
    level: Level
    question_ids: tuple[str, ...]
    reason: str
    source: str
    applies: Callable[[Answers], bool]


def _yes(question_id: str) -> Callable[[Answers], bool]:
    def check(answers: Answers) -> bool:
        return answers.get(question_id) is True

    return check


def _ottawa(answers: Answers) -> bool:
    """Ottawa knee rule proxies after an injury in the last 7 days: escalate only (§4.3)."""
    if answers.get("recent_injury") is not True:
        return False
    age = answers.get("age_years")
    old_enough = isinstance(age, int) and not isinstance(age, bool) and age >= OTTAWA_AGE_YEARS
    return old_enough or any(answers.get(q) is True for q in OTTAWA_PROXIES)


def _not_usual_pattern(answers: Answers) -> bool:
    """Runner's knee: pain around or behind the kneecap, brought on by loading it (§1.1)."""
    if "pain_location" not in answers or "aggravating_activities" not in answers:
        return False
    activities = answers["aggravating_activities"]
    loaded = isinstance(activities, tuple) and bool(PATTERN_ACTIVITIES.intersection(activities))
    return answers["pain_location"] != PATTERN_LOCATION or not loaded


def _usual_pattern(answers: Answers) -> bool:
    """The usual pattern of runner's knee is present (§1.1, Crossley 2016; Willy 2019)."""
    has_both = "pain_location" in answers and "aggravating_activities" in answers
    return has_both and not _not_usual_pattern(answers)


def _long_duration(answers: Answers) -> bool:
    """Pain for more than 12 months predicts a slower recovery (§1.4, Lankhorst 2016)."""
    return answers.get("duration") == LONG_DURATION


RED_FLAG_RULES: tuple[Rule, ...] = (
    Rule(
        "possible_clot_in_lung",
        Level.EMERGENCY,
        ("breathless_or_chest_pain",),
        "Breathlessness, chest pain when breathing in or coughing up blood can mean a blood "
        "clot has reached the lungs.",
        "clinical.md §3, NHS DVT page [R79]",
        _yes("breathless_or_chest_pain"),
    ),
    Rule(
        "very_unwell",
        Level.EMERGENCY,
        ("very_unwell",),
        "Feeling very unwell with knee pain can be a sign of a serious infection.",
        "clinical.md §3, Cornwall referral criteria [R80]; NHS septic arthritis [R76]",
        _yes("very_unwell"),
    ),
    Rule(
        "cannot_bear_weight",
        Level.EMERGENCY,
        ("cannot_bear_weight",),
        "Not being able to put weight on the leg needs checking for a broken bone, a "
        "dislocation or a problem in the hip.",
        "clinical.md §3 [R32, R77]; §2 slipped hip growth plate [R35]",
        _yes("cannot_bear_weight"),
    ),
    Rule(
        "deformity_after_injury",
        Level.EMERGENCY,
        ("deformity_after_injury",),
        "A knee that has changed shape, a crack at the time of injury or a kneecap out of place "
        "can mean a broken bone or a dislocation.",
        "clinical.md §3, Gloucestershire pathway [R32]; NHS sprains and strains [R77]",
        _yes("deformity_after_injury"),
    ),
    Rule(
        "cannot_straighten_after_fall",
        Level.EMERGENCY,
        ("cannot_straighten_after_fall",),
        "Not being able to straighten the knee or lift the leg after a fall can mean a torn "
        "tendon at the front of the knee.",
        "clinical.md §3, Gloucestershire pathway [R32]",
        _yes("cannot_straighten_after_fall"),
    ),
    Rule(
        "numb_or_cold_foot",
        Level.EMERGENCY,
        ("numb_or_cold_foot",),
        "Numbness, weakness or a cold, pale or blue foot can mean a nerve or blood vessel is "
        "affected.",
        "clinical.md §3 [R32, R77]",
        _yes("numb_or_cold_foot"),
    ),
    Rule(
        "hot_swollen_with_fever",
        Level.URGENT_SAME_DAY,
        ("hot_swollen_with_fever",),
        "A hot, swollen, red knee with a temperature or feeling unwell can mean an infection in "
        "the joint.",
        "clinical.md §3, NHS septic arthritis [R76]",
        _yes("hot_swollen_with_fever"),
    ),
    Rule(
        "calf_swelling_one_leg",
        Level.URGENT_SAME_DAY,
        ("calf_swelling_one_leg",),
        "Pain, swelling or warm, red skin in one calf or thigh can be a blood clot in a vein.",
        "clinical.md §3, NHS DVT page [R79]",
        _yes("calf_swelling_one_leg"),
    ),
    Rule(
        "rapid_swelling_after_injury",
        Level.URGENT_SAME_DAY,
        ("rapid_swelling_after_injury",),
        "Swelling within hours of an injury can mean bleeding inside the joint, for example from "
        "a torn ligament.",
        "clinical.md §3, EULAR/EFORT [R34]; [R33]",
        _yes("rapid_swelling_after_injury"),
    ),
    Rule(
        "locked_knee",
        Level.URGENT_SAME_DAY,
        ("locked_knee",),
        "A knee that is stuck and will not straighten can mean a torn cartilage or a loose piece "
        "inside the joint.",
        "clinical.md §3, Gloucestershire pathway [R32]; [R78]",
        _yes("locked_knee"),
    ),
    Rule(
        "badly_swollen_or_giving_way",
        Level.URGENT_SAME_DAY,
        ("badly_swollen_or_giving_way",),
        "A very painful, badly swollen knee, or one that keeps giving way, needs checking today.",
        "clinical.md §3, NHS knee pain summary [R81]",
        _yes("badly_swollen_or_giving_way"),
    ),
    Rule(
        "night_pain_weight_loss",
        Level.URGENT_SAME_DAY,
        ("night_pain_weight_loss",),
        "Constant pain at night and at rest, weight loss without trying or a hard lump need a "
        "doctor to check for rarer, serious causes. (The dossier's level is urgent within days; "
        "we ask you to contact your GP today so it is not put off.)",
        "clinical.md §3 [R32, R80]",
        _yes("night_pain_weight_loss"),
    ),
    Rule(
        "young_with_limp",
        Level.URGENT_SAME_DAY,
        ("young_with_limp",),
        "In young people, knee pain with a limp or hip, groin or thigh pain can come from a "
        "problem at the top of the thigh bone, which needs checking the same day.",
        "clinical.md §2 and §3, slipped hip growth plate [R35]",
        _yes("young_with_limp"),
    ),
    Rule(
        "several_joints_swollen",
        Level.SOON,
        ("several_joints_swollen",),
        "Several swollen joints or long morning stiffness can point to an inflammatory joint "
        "condition, which a GP should look into.",
        "clinical.md §3 [R80]; NICE NG226 [R36]",
        _yes("several_joints_swollen"),
    ),
)

OTHER_RULES: tuple[Rule, ...] = (
    Rule(
        "ottawa_proxy",
        Level.URGENT_SAME_DAY,
        (
            "recent_injury",
            "age_years",
            "ottawa_four_steps",
            "ottawa_cannot_bend",
            "ottawa_kneecap_tender",
            "ottawa_outer_bump_tender",
        ),
        "After an injury in the last week, your answers match at least one sign that a doctor "
        "uses to decide whether an X-ray is needed. Only a professional who examines you can "
        "decide that.",
        "clinical.md §4.1 and §4.3, Ottawa knee rule (Stiell 1995, 1996) [R27, R28]",
        _ottawa,
    ),
    Rule(
        "recent_injury",
        Level.SOON,
        ("recent_injury",),
        "Pain that started with an injury is not the usual pattern of runner's knee and needs a "
        "professional to examine the knee.",
        "clinical.md §1.2 (runner's knee is usually not caused by an injury) [R4]; §2",
        _yes("recent_injury"),
    ),
    Rule(
        "not_usual_pattern",
        Level.SOON,
        ("pain_location", "aggravating_activities"),
        "Your answers do not match the usual pattern of runner's knee (pain around or behind "
        "the kneecap brought on by squatting, stairs, sitting or running), so another cause "
        "needs to be looked for.",
        "clinical.md §1.1 (Crossley 2016 [R8]; Willy 2019 [R12]) and §2",
        _not_usual_pattern,
    ),
    Rule(
        "not_better_with_self_care",
        Level.SOON,
        ("not_better_with_self_care",),
        "Pain that has not got better after a few weeks of self-care, keeps coming back or "
        "stops your usual activities should be assessed.",
        "clinical.md §3, NHS knee pain summary [R81]",
        _yes("not_better_with_self_care"),
    ),
    Rule(
        "long_duration",
        Level.SOON,
        ("duration",),
        "Pain that has lasted more than a year tends to take longer to settle, so it helps to "
        "have a physio or GP involved.",
        "clinical.md §1.4 (Collins 2010 [R5]; Lankhorst 2016 [R7])",
        _long_duration,
    ),
    Rule(
        "catching_or_giving_way",
        Level.SOON,
        ("catching_or_giving_way",),
        "Catching or giving way with pain along the joint line can mean a cartilage problem, "
        "which a physio should check within about two weeks.",
        "clinical.md §2, meniscal tear row [R32, R33]",
        _yes("catching_or_giving_way"),
    ),
    Rule(
        "bony_spot_worse_running",
        Level.SOON,
        ("bony_spot_worse_running",),
        "A very tender spot on a bone with pain that builds as you run can be a stress injury "
        "of the bone. Stop running until a professional has checked it.",
        "clinical.md §2, bone stress injury row [R56, R57]",
        _yes("bony_spot_worse_running"),
    ),
    Rule(
        "groin_pain_running",
        Level.URGENT_SAME_DAY,
        ("groin_pain_running",),
        "A deep groin or hip ache that builds as you run can be a stress injury of the thigh "
        "bone near the hip, which needs checking today. Do not run on it.",
        "clinical.md §2, bone stress injury row (femoral neck: same day) [R57]",
        _yes("groin_pain_running"),
    ),
)

PATTERN_RULE = Rule(
    "usual_pattern",
    Level.SELF_CARE,
    ("pain_location", "aggravating_activities"),
    "Pain around or behind the kneecap brought on by squatting, stairs, sitting or running is "
    "the usual pattern of runner's knee, which usually improves with exercise and changes to "
    "training.",
    "clinical.md §1.1 (Crossley 2016 [R8]; Willy 2019 [R12]) and §5.1 (Collins 2018 [R10])",
    _usual_pattern,
)

RULES: tuple[Rule, ...] = (*RED_FLAG_RULES, *OTHER_RULES, PATTERN_RULE)


@dataclass(frozen=True, slots=True)
class Mention:
    """A feature to tell the physio or GP about: never a diagnosis."""

    question_id: str
    text: str
    source: str


MENTIONS: tuple[Mention, ...] = (
    Mention(
        "outer_pain_during_run",
        "Sharp or burning pain on the outer side of the knee that starts during runs.",
        "clinical.md §2, iliotibial band row [R31]",
    ),
    Mention(
        "pain_below_kneecap_jumping",
        "Pain in one spot just below the kneecap, worse with jumping or landing.",
        "clinical.md §2, patellar tendon row [R32]",
    ),
    Mention(
        "catching_or_giving_way",
        "The knee catches, clicks painfully or gives way, with pain along the side of the joint.",
        "clinical.md §2, meniscal tear row [R32]",
    ),
    Mention(
        "kneecap_slips",
        "The kneecap feels as if it slips out of place, or has come out of place before.",
        "clinical.md §2, kneecap instability row [R32]",
    ),
    Mention(
        "bony_spot_worse_running",
        "A very tender spot on a bone, with pain that builds during runs or when hopping.",
        "clinical.md §2, bone stress injury row [R57]",
    ),
    Mention(
        "groin_pain_running",
        "A deep ache in the groin or front of the hip that builds during runs.",
        "clinical.md §2, bone stress injury row [R57]",
    ),
    Mention(
        "hip_or_back_pain",
        "Pain in the hip or lower back as well, or pain spreading down the leg.",
        "clinical.md §2, referred pain row [R32]",
    ),
    Mention(
        "swelling_front_of_kneecap",
        "A soft swelling on or just below the kneecap that hurts when kneeling.",
        "clinical.md §2, bursitis row [R39]",
    ),
    Mention(
        "bump_below_kneecap",
        "A tender bony bump at the top of the shin, just below the kneecap, while still growing.",
        "clinical.md §2, Osgood-Schlatter and Sinding-Larsen-Johansson rows [R37, R38]",
    ),
    Mention(
        "short_morning_stiffness",
        "Aged 45 or over, with pain on activity and little or no morning stiffness.",
        "clinical.md §2, osteoarthritis row (NICE NG226 1.1.1) [R36]",
    ),
)


@dataclass(frozen=True, slots=True)
class AnswerShown:
    question_id: str
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Reason:
    rule_id: str
    level: Level
    text: str
    source: str
    answers: tuple[AnswerShown, ...]


@dataclass(frozen=True, slots=True)
class Advice:
    title: str
    steps: tuple[str, ...]


ADVICE: dict[Level, Advice] = {
    Level.EMERGENCY: Advice(
        "Call 999 or go to A&E now",
        (
            "Call 999, or go straight to your nearest A&E (accident and emergency) department.",
            "Do not drive yourself. Ask someone to take you, or call an ambulance.",
            "Do not run or exercise on the leg.",
            "If you can, take this summary with you.",
        ),
    ),
    Level.URGENT_SAME_DAY: Advice(
        "Get medical help today",
        (
            "Ask your GP surgery for an urgent appointment today, or use NHS 111 online or call "
            "111.",
            "If you have been injured, an urgent treatment centre can also see you today.",
            "If you get worse or feel very unwell, call 999 or go to A&E.",
            "Do not run until you have been seen.",
        ),
    ),
    Level.SOON: Advice(
        "Book a GP or physiotherapy appointment soon",
        (
            "Book an appointment with your GP or a physiotherapist within the next week or two. "
            "In many areas you can refer yourself to NHS physiotherapy.",
            "Until then, ease off the running and other activities that bring the pain on.",
            "If any warning sign appears, such as sudden swelling or not being able to put "
            "weight on the leg, get help urgently: use the checker again or call NHS 111.",
        ),
    ),
    Level.SELF_CARE: Advice(
        "Look after your knee and arrange a routine check",
        (
            "Your answers fit the usual pattern of runner's knee. This is not a diagnosis: "
            "arrange a routine appointment with a physiotherapist or GP to confirm what is "
            "going on.",
            "Meanwhile, cut back the running and activities that bring the pain on, and use the "
            "pain diary to keep pain during activity low.",
            "Exercises for the hip and thigh muscles are the treatment with the best evidence; "
            "a physiotherapist can set them for you.",
            "If any warning sign appears, such as sudden swelling or not being able to put "
            "weight on the leg, get help urgently.",
        ),
    ),
}

DISCLAIMER = (
    "This checker gives information to help you decide where to get help. It does not diagnose "
    "and does not replace a professional who examines you."
)


@dataclass(frozen=True, slots=True)
class Outcome:
    level: Level
    advice: Advice
    reasons: tuple[Reason, ...]
    mentions: tuple[Mention, ...]
    stopped_early: bool
    disclaimer: str = field(default=DISCLAIMER)


def _shown(question_ids: tuple[str, ...], answers: Answers) -> tuple[AnswerShown, ...]:
    """The answers behind a reason; a rule reading several questions shows only its "yes"es."""
    shown = []
    for question_id in question_ids:
        if question_id in answers and (len(question_ids) == 1 or answers[question_id] is not False):
            question = QUESTIONS_BY_ID[question_id]
            value = answers[question_id]
            shown.append(AnswerShown(question_id, question.text, question.describe(value)))
    return tuple(shown)


def stops_early(answers: Answers) -> bool:
    """One emergency answer overrides everything and stops the checker (§3 notes)."""
    return any(rule.level is Level.EMERGENCY and rule.applies(answers) for rule in RED_FLAG_RULES)


def evaluate(answers: Mapping[str, object]) -> Outcome:
    """Turn a complete set of answers into the level of help, the reasons and the advice."""
    clean = validate_answers(answers)
    missing = missing_questions(clean)
    if missing:
        names = ", ".join(f"'{q.id}'" for q in missing)
        raise TriageError(f"These questions have no answer yet: {names}.")
    reasons = tuple(
        Reason(rule.id, rule.level, rule.reason, rule.source, _shown(rule.question_ids, clean))
        for rule in RULES
        if rule.applies(clean)
    )
    level = max((r.level for r in reasons), key=lambda lv: lv.rank, default=Level.SELF_CARE)
    reasons = tuple(sorted(reasons, key=lambda r: -r.level.rank))
    mentions = tuple(m for m in MENTIONS if clean.get(m.question_id) is True)
    return Outcome(level, ADVICE[level], reasons, mentions, stops_early(clean))

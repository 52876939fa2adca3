"""How awareness audit entries read in histories."""

from django.utils.translation import gettext_lazy as _

from portal.audit import register_renderer

RENDERERS = {
    "awareness.activity.created": _("Recorded the activity “%(title)s”"),
    "awareness.activity.changed": _("Changed the activity “%(title)s”"),
    "awareness.activity.deleted": _("Deleted the activity “%(title)s”"),
    "awareness.material.added": _("Attached the material %(filename)s"),
    "awareness.material.deleted": _("Removed the material %(filename)s"),
    "awareness.material.downloaded": _("Downloaded the material %(filename)s"),
    "awareness.quiz.question_added": _("Added a quiz question: %(question)s"),
    "awareness.quiz.question_deleted": _("Removed a quiz question: %(question)s"),
    "awareness.attendance.marked": _("Marked the attendance of %(count)s people"),
    "awareness.attendance.removed": _("Removed the attendance record of %(person)s"),
    "awareness.attendance.imported": _("Imported %(rows)s attendance rows (%(new)s new, %(updated)s updated) from %(filename)s"),
    "awareness.elearning.completed": _("Recorded their own e-learning completion"),
    "awareness.elearning.quiz_failed": _("Did not reach the pass mark of the quiz (%(score)s%%)"),
    "awareness.checklist.created": _("Created the checklist “%(title)s”"),
    "awareness.checklist.changed": _("Changed the checklist settings"),
    "awareness.checklist.version_started": _("Started draft version %(number)s"),
    "awareness.checklist.item_saved": _("Saved the question “%(key)s” in version %(version)s"),
    "awareness.checklist.item_deleted": _("Removed the question “%(key)s” from version %(version)s"),
    "awareness.checklist.published": _("Published version %(number)s"),
    "awareness.response.started": _("Started the checklist for fiscal year %(fiscal_year)s"),
    "awareness.response.saved": _("Saved checklist answers as a draft"),
    "awareness.response.submitted": _("Submitted the checklist (%(risk_answers)s risk answers)"),
    "awareness.response.case_opened": _("A risk answer opened a case: %(question)s"),
    "awareness.casestudy.created": _("Wrote the case study “%(title)s”"),
    "awareness.casestudy.changed": _("Changed the case study “%(title)s”"),
    "awareness.casestudy.published": _("Published the case study"),
    "awareness.casestudy.withdrawn": _("Withdrew the case study to draft"),
    "awareness.risktype.saved": _("Saved the risk type"),
}

for action, text in RENDERERS.items():
    register_renderer(action, text)

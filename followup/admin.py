"""Admin pages of the follow-up survey: question sets are editable data until a cycle uses them."""

from django.contrib import admin

from portal.admin_site import PortalModelAdmin, ReadOnlyModelAdmin

from .models import AnswerOption, Question, QuestionSet, RegulationDocument, SurveyCycle


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["number", "text_ja", "text_en", "short_label_ja", "short_label_en"]


class AnswerOptionInline(admin.TabularInline):
    model = AnswerOption
    extra = 0
    fields = ["code", "label_ja", "label_en", "done_by_year_end", "is_implemented"]


@admin.register(QuestionSet)
class QuestionSetAdmin(PortalModelAdmin):
    """A set already used by a survey cycle is read-only: add a new version instead."""

    list_display = ["code", "fiscal_year", "version", "title_ja"]
    list_filter = ["fiscal_year"]
    inlines = [QuestionInline, AnswerOptionInline]

    def _in_use(self, obj) -> bool:
        return obj is not None and obj.cycles.exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._in_use(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._in_use(obj)


@admin.register(SurveyCycle)
class SurveyCycleAdmin(ReadOnlyModelAdmin):
    list_display = ["fiscal_year", "question_set", "status", "due_on"]


@admin.register(RegulationDocument)
class RegulationDocumentAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "kind", "enacted_on", "revised_on", "uploaded_by"]
    list_filter = ["kind"]
    exclude = ["file"]

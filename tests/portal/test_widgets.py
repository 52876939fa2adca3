"""The fast option renderers: the ``Select`` widget and the ``{% select_options %}`` tag."""

from django import forms
from django.template import Context, Template

from portal.widgets import Select

CHOICES = [("", "All"), ("1", "工学部"), ("2", "<b>Law</b> & Politics")]


def test_select_widget_marks_the_chosen_option_and_escapes_labels():
    class F(forms.Form):
        department = forms.ChoiceField(choices=CHOICES, widget=Select, required=False)

    html = str(F({"department": "2"})["department"])
    assert '<select name="department" id="id_department">' in html
    assert '<option value="2" selected>&lt;b&gt;Law&lt;/b&gt; &amp; Politics</option>' in html
    assert '<option value="1">工学部</option>' in html
    assert html.count(" selected") == 1


def test_select_options_tag_marks_the_chosen_option_and_escapes_labels():
    template = Template("{% load portal %}{% select_options choices chosen blank='Any' %}")
    html = template.render(Context({"choices": CHOICES[1:], "chosen": "2"}))
    assert html.startswith('<option value="">Any</option>')
    assert '<option value="2" selected>&lt;b&gt;Law&lt;/b&gt; &amp; Politics</option>' in html
    assert html.count(" selected") == 1
    nothing = Template("{% load portal %}{% select_options choices '' %}").render(
        Context({"choices": CHOICES[1:]}))
    assert " selected" not in nothing

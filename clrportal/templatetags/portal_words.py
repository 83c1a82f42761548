"""`{% load portal_words %}`: `{{ value|achievement_type_label }}` ("CoCurricular" is "Co-curricular") and
`{{ value|result_type_label }}` ("LetterGrade" is "Letter grade"), the words of vc.labels."""

from django import template

from vc import labels

register = template.Library()
register.filter("achievement_type_label", labels.achievement_type_label)
register.filter("result_type_label", labels.result_type_label)

"""A stand-in for Django's {% static %} tag so the real workspace template renders without project settings."""

from django import template

register = template.Library()


@register.simple_tag
def static(path: str) -> str:
    return f"/static/{path}"

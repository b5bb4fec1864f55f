"""Template filters shared by the apps."""

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as a short human duration: 45 s, 12 min, 3 h, 2 d."""
    if seconds is None or seconds == "":
        return "—"
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@register.filter
def size_class(percent, axis: str = "w") -> str:
    """A share (0 to 100, a bar's width "w" or a column's height "h") as the class that
    static/css/sizes.css sizes it with: "w-37". Pages set no style attribute (the
    Content-Security-Policy allows none), so sizes are classes, whole percents."""
    try:
        value = round(float(percent))
    except (TypeError, ValueError):
        value = 0
    return f"{'h' if axis == 'h' else 'w'}-{min(max(value, 0), 100)}"

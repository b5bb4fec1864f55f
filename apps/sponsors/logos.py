"""Checks an uploaded sponsor logo and makes a fresh copy of it that is safe to serve.

PNG and JPEG are decoded and re-encoded by Pillow: the stored file is pixels only (no EXIF,
no comments, no trailing bytes, so no polyglot). SVG is parsed with defusedxml (no entities,
no DTD) and rebuilt from an allow-list of elements and attributes; a file that scripts,
handles events or refers outside itself is refused, not quietly repaired.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET  # noqa: S405  (only to build and write; parsing is defusedxml)

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 1024 * 1024  # 1 MiB
MAX_SIDE = 2000  # pixels, either side of a raster logo
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

# Drawing only. Anything else in the SVG namespace (metadata, animation, links, images) and
# every other namespace (Inkscape's, RDF) is left out of the copy.
SVG_ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "style",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop",
    "clipPath", "mask", "pattern", "marker", "filter", "feGaussianBlur", "feOffset",
    "feBlend", "feColorMatrix", "feFlood", "feComposite", "feMerge", "feMergeNode",
}  # fmt: skip
# Refused outright: they run code or pull in other documents.
SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "embed", "object", "handler", "feImage"}
HREF_ATTRIBUTES = {"href", f"{{{XLINK_NS}}}href"}
# In CSS or an attribute: anything that fetches or runs, except a reference inside the file.
# Checked on the CSS as a browser reads it (_css_plain): escapes decoded, comments gone.
EXTERNAL_CSS = re.compile(
    r"@import|url\(\s*(?!['\"]?#)|expression\(|javascript:|image-set\(|image\(|src\(|element\(",
    re.I,
)
CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\r\n|[\n\r\f]|(.))", re.S)
MAX_DEPTH = 64  # elements inside elements; a drawing needs a handful


def logo_prepare(upload) -> ContentFile:
    """The file to store for `upload`, named by its real format (`logo.png`, `logo.jpg`,
    `logo.svg`), or a ValidationError saying what is wrong with it."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationError(_too_big(size), code="too_big")
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    upload.seek(0)
    if len(data) > MAX_BYTES:
        raise ValidationError(_too_big(len(data)), code="too_big")
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    if data.startswith(PNG_MAGIC) or data.startswith(JPEG_MAGIC):
        return _raster_copy(data)
    if _looks_like_xml(data):
        return ContentFile(_svg_copy(data), name="logo.svg")
    raise ValidationError(
        "This is not a PNG, JPEG or SVG image (whatever its name says).", code="type"
    )


def _too_big(size: int) -> str:
    return f"The logo is {size / 1024 / 1024:.1f} MiB; the limit is 1 MiB."


def _raster_copy(data: bytes) -> ContentFile:
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            width, height = probe.size
            if fmt not in ("PNG", "JPEG"):
                raise ValidationError("Only PNG, JPEG and SVG logos are accepted.", code="type")
            if width > MAX_SIDE or height > MAX_SIDE:
                raise ValidationError(
                    f"The logo is {width}×{height} pixels; the limit is {MAX_SIDE}×{MAX_SIDE}.",
                    code="dimensions",
                )
            probe.load()  # decodes every pixel: a truncated or forged file fails here
            image = probe.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "The image could not be read: it is damaged or not really a PNG or JPEG.",
            code="invalid",
        ) from None
    out = io.BytesIO()
    if fmt == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)  # no info= passed: no text chunks
        return ContentFile(out.getvalue(), name="logo.png")
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(out, format="JPEG", quality=90)  # no exif= passed: EXIF and GPS are gone
    return ContentFile(out.getvalue(), name="logo.jpg")


def _looks_like_xml(data: bytes) -> bool:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<?xml") or head.startswith(b"<svg") or head.startswith(b"<!--")


def _css_plain(text: str) -> str:
    """CSS as a browser tokenises it: comments removed, escapes (\\75 rl, \\@import) decoded,
    so that "u\\72l(" is seen as the url( it is."""

    def decode(match: re.Match) -> str:
        hex_digits, other = match.group(1), match.group(2)
        if hex_digits:
            code = int(hex_digits, 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return other or ""  # an escaped character is itself; an escaped newline is nothing

    return CSS_ESCAPE.sub(decode, CSS_COMMENT.sub("", text))


def _svg_depth(root) -> int:
    """How deep elements nest, counted without recursion (a hostile file nests 100,000)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _svg_copy(data: bytes) -> bytes:
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        raise ValidationError(
            "The SVG file could not be read (it is not well-formed, or declares a DTD or "
            "entities).",
            code="invalid",
        ) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValidationError("This is not an SVG image (its root is not <svg>).", code="type")
    if _svg_depth(root) > MAX_DEPTH:
        raise ValidationError(
            f"The SVG nests elements more than {MAX_DEPTH} deep; a logo needs far fewer.",
            code="svg",
        )
    for element in root.iter():
        _svg_refuse(element)
    return ET.tostring(_svg_clean(root), encoding="utf-8", xml_declaration=True)


def _local(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def _svg_refuse(element) -> None:
    if not isinstance(element.tag, str):
        return
    namespace, name = _local(element.tag)
    if name in SVG_FORBIDDEN:
        raise ValidationError(f"The SVG contains <{name}>, which is not allowed.", code="svg")
    if namespace not in (SVG_NS, "") and name in ("html", "body", "div", "iframe"):
        raise ValidationError("The SVG embeds HTML, which is not allowed.", code="svg")
    for attribute, value in element.attrib.items():
        attr_name = _local(attribute)[1]
        if attr_name.lower().startswith("on"):
            raise ValidationError(
                f"The SVG has an event handler ({attr_name}), which is not allowed.", code="svg"
            )
        if attribute in HREF_ATTRIBUTES and not value.strip().startswith("#"):
            raise ValidationError(
                "The SVG refers to another file or address; only references inside the "
                "file (#id) are allowed.",
                code="svg",
            )
        if EXTERNAL_CSS.search(_css_plain(value)):
            raise ValidationError(
                f"The SVG's {attr_name} refers outside the file or runs code.", code="svg"
            )
    if name == "style" and EXTERNAL_CSS.search(_css_plain("".join(element.itertext()))):
        raise ValidationError("The SVG's styles refer outside the file.", code="svg")


def _svg_clean(element):
    """A copy of `element` with only the allowed elements and attributes."""
    _namespace, name = _local(element.tag)
    copy = ET.Element(element.tag)
    for attribute, value in element.attrib.items():
        attr_ns, _attr = _local(attribute)
        if attr_ns == "" or attribute in HREF_ATTRIBUTES or attr_ns == XML_NS:
            copy.set(attribute, value)
    copy.text = (
        element.text if name in ("text", "tspan", "textPath", "style", "title", "desc") else None
    )
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        child_ns, child_name = _local(child.tag)
        if child_ns == SVG_NS and child_name in SVG_ELEMENTS:
            cleaned = _svg_clean(child)
            cleaned.tail = child.tail if name in ("text", "tspan", "textPath") else None
            copy.append(cleaned)
    return copy

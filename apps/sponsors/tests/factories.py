import factory
from django.utils.text import slugify

from ..choices import SponsorKind
from ..models import Sponsor


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    name = factory.Sequence(lambda n: f"University of Example {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = SponsorKind.UNIVERSITY
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.org/")
    country = "GB"
    description = "Gives **bandwidth** and servers."


def png_bytes(size=(40, 20), color="#8a1538", **save) -> bytes:
    """A real PNG (Pillow), with whatever `save` adds (pnginfo= text chunks)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG", **save)
    return out.getvalue()


def jpeg_with_exif(size=(40, 20)) -> bytes:
    """A JPEG whose EXIF names a camera and a place, as a phone's photo does."""
    import io

    from PIL import Image

    image = Image.new("RGB", size, "#0b5394")
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0131] = "secret-editor 1.0"  # Software
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


SVG_LOGO = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
    b'xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" viewBox="0 0 200 100">'
    b"<!-- made by hand --><metadata>rdf</metadata>"
    b'<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
    b'<rect width="200" height="100" fill="url(#g)" inkscape:label="bg"/>'
    b'<text x="10" y="60">Example</text></svg>'
)

"""Logos: staff upload them through the admin (the save goes through the sponsors'
services); bad files are refused with a field error and change nothing; good ones are stored
as a fresh copy under a random name."""

import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from apps.sponsors.models import Sponsor
from apps.sponsors.services import sponsor_logo_set

from .factories import SVG_LOGO, SponsorFactory, jpeg_with_exif, png_bytes

SVG_HEAD = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'


def _svg(body: bytes) -> bytes:
    return SVG_HEAD + body + b"</svg>"


def _form(sponsor: Sponsor, **extra) -> dict:
    data = {
        "name": sponsor.name,
        "slug": sponsor.slug,
        "kind": sponsor.kind,
        "website": sponsor.website,
        "description": sponsor.description,
        "country": sponsor.country.code,
        "sponsor_since": "",
        "active": "on",
    }
    data.update(extra)
    return data


def _change(client, sponsor, **extra):
    url = reverse("admin:sponsors_sponsor_change", args=[sponsor.pk])
    return client.post(url, _form(sponsor, **extra))


def _stored(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "sponsors" / "logos"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "This is not a PNG, JPEG or SVG"),
        ("logo.png", b"<html><script>alert(1)</script></html>", "This is not a PNG, JPEG or SVG"),
        ("logo.svg", b'<?xml version="1.0"?><html><script>alert(1)</script></html>',
         "This is not an SVG image (its root is not &lt;svg&gt;)."),
        ("logo.png", png_bytes()[:40], "The image could not be read"),
        ("logo.png", png_bytes(size=(2001, 10)),
         "The logo is 2001×10 pixels; the limit is 2000×2000."),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1), "the limit is 1 MiB"),
        ("logo.svg", _svg(b"<script>alert(1)</script>"), "The SVG contains &lt;script&gt;"),
        ("logo.svg", SVG_HEAD.replace(b"<svg ", b'<svg onload="alert(1)" ') + b"</svg>",
         "The SVG has an event handler (onload)"),
        ("logo.svg", _svg(b'<rect width="5" height="5" onclick="x()"/>'),
         "The SVG has an event handler (onclick)"),
        ("logo.svg", _svg(b'<use href="http://evil.example/x.svg#a"/>'),
         "The SVG refers to another file or address"),
        ("logo.svg", _svg(b'<image xlink:href="https://evil.example/t.png"/>'),
         "The SVG refers to another file or address"),
        ("logo.svg", _svg(b'<a href="javascript:alert(1)"><rect/></a>'),
         "The SVG refers to another file or address"),
        ("logo.svg", _svg(b"<foreignObject><p>hi</p></foreignObject>"),
         "The SVG contains &lt;foreignObject&gt;"),
        ("logo.svg", _svg(b"<style>@import url(https://evil.example/a.css);</style>"),
         "The SVG&#x27;s styles refer outside the file."),
        ("logo.svg", _svg(b'<rect style="fill:url(https://evil.example/p)"/>'),
         "The SVG&#x27;s style refers outside the file or runs code."),
        ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaa">]>' + _svg(b"&a;"),
         "declares a DTD or entities"),
        # CSS escapes and comments hide a fetch from a plain search for "url(" or "@import".
        ("logo.svg", _svg(rb"<style>.a{fill:u\72l(https://evil.example/p)}</style>"),
         "The SVG&#x27;s styles refer outside the file."),
        ("logo.svg", _svg(rb'<style>@\69mport "https://evil.example/a.css";</style>'),
         "The SVG&#x27;s styles refer outside the file."),
        ("logo.svg", _svg(b"<style>.a{fill:u/**/rl(https://evil.example/p)}</style>"),
         "The SVG&#x27;s styles refer outside the file."),
        ("logo.svg", _svg(b'<style>.a{fill:image-set("https://evil.example/p" 1x)}</style>'),
         "The SVG&#x27;s styles refer outside the file."),
        ("logo.svg", _svg(rb'<rect style="fill:\75 rl(https://evil.example/p)"/>'),
         "The SVG&#x27;s style refers outside the file or runs code."),
        ("logo.svg", _svg(b'<rect style="fill:&#x5c;75rl(https://evil.example/p)"/>'),
         "The SVG&#x27;s style refers outside the file or runs code."),
        ("logo.svg", _svg(b"<g>" * 100_000 + b"</g>" * 100_000),
         "The SVG nests elements more than 64 deep; a logo needs far fewer."),
    ],
    ids=["gif", "html-as-png", "xhtml-as-svg", "truncated-png", "too-wide", "too-big",
         "svg-script", "svg-onload", "svg-onclick", "svg-use-http", "svg-image-https",
         "svg-javascript-link", "svg-foreignobject", "svg-style-import", "svg-style-url",
         "svg-entities", "svg-css-hex-escape", "svg-css-escaped-import", "svg-css-comment",
         "svg-css-image-set", "svg-style-attr-escape", "svg-style-attr-xml-escape",
         "svg-100000-groups"],
)  # fmt: skip
def test_a_bad_logo_is_a_field_error_and_changes_nothing(
    admin_client, db, settings, filename, content, message
):
    sponsor = SponsorFactory(name="Example University")
    response = _change(
        admin_client,
        sponsor,
        name="Renamed University",
        logo_upload=SimpleUploadedFile(filename, content),
    )
    assert response.status_code == 200
    page = response.content.decode()
    errors = re.search(r'<ul class="errorlist" id="id_logo_upload_error">(.*?)</ul>', page, re.S)
    assert errors, "the error is shown beside the logo field"
    assert message in errors.group(1)
    sponsor.refresh_from_db()
    assert sponsor.name == "Example University"
    assert not sponsor.logo
    assert _stored(settings) == []


def test_a_jpeg_is_stored_re_encoded_without_its_exif(admin_client, db, settings):
    sponsor = SponsorFactory()
    upload = SimpleUploadedFile("holiday photo.JPG", jpeg_with_exif(size=(64, 32)))
    response = _change(admin_client, sponsor, logo_upload=upload)
    assert response.status_code == 302
    sponsor.refresh_from_db()
    assert re.fullmatch(r"sponsors/logos/[\w-]{16}\.jpg", sponsor.logo.name)
    data = sponsor.logo.read()
    assert b"SpyCam" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert (stored.format, stored.size) == ("JPEG", (64, 32))
        assert dict(stored.getexif()) == {}


def test_a_png_polyglot_is_stored_as_pixels_only(admin_client, db, settings):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    polyglot = png_bytes(pnginfo=info) + b"<html><script>alert(2)</script></html>"
    sponsor = SponsorFactory()
    assert _change(admin_client, sponsor, logo_upload=SimpleUploadedFile("x.png", polyglot))
    sponsor.refresh_from_db()
    data = sponsor.logo.read()
    assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82")
    assert b"script" not in data
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.format == "PNG" and stored.text == {}


def test_an_svg_is_stored_with_only_drawing_in_it(admin_client, db, settings):
    sponsor = SponsorFactory()
    assert _change(admin_client, sponsor, logo_upload=SimpleUploadedFile("a.svg", SVG_LOGO))
    sponsor.refresh_from_db()
    assert sponsor.logo.name.endswith(".svg")
    data = sponsor.logo.read().decode()
    assert "<rect" in data and 'fill="url(#g)"' in data and ">Example</text>" in data
    assert "metadata" not in data and "inkscape" not in data and "<!--" not in data


def test_a_new_logo_replaces_the_old_file_and_remove_deletes_it(
    admin_client, db, settings, django_capture_on_commit_callbacks
):
    sponsor = SponsorFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _change(admin_client, sponsor, logo_upload=SimpleUploadedFile("a.png", png_bytes()))
    first = _stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        _change(admin_client, sponsor, logo_upload=SimpleUploadedFile("b.svg", SVG_LOGO))
    second = _stored(settings)
    assert len(first) == len(second) == 1 and first != second
    with django_capture_on_commit_callbacks(execute=True):
        _change(admin_client, sponsor, logo_remove="on")
    sponsor.refresh_from_db()
    assert not sponsor.logo and _stored(settings) == []


def test_staff_add_a_sponsor_with_its_logo(admin_client, db, settings):
    data = _form(SponsorFactory.build(name="New Hosting", slug="new-hosting"))
    data["logo_upload"] = SimpleUploadedFile("n.png", png_bytes())
    response = admin_client.post(reverse("admin:sponsors_sponsor_add"), data)
    assert response.status_code == 302
    assert Sponsor.objects.get(slug="new-hosting").logo.name.endswith(".png")


def test_anonymous_cannot_upload(client, db, settings):
    sponsor = SponsorFactory()
    response = _change(client, sponsor, logo_upload=SimpleUploadedFile("a.png", png_bytes()))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    sponsor.refresh_from_db()
    assert not sponsor.logo and _stored(settings) == []


def test_staff_need_the_change_permission(client, db, settings, django_user_model):
    sponsor = SponsorFactory()
    user = django_user_model.objects.create_user("volunteer", password="pw", is_staff=True)
    client.force_login(user)
    upload = SimpleUploadedFile("a.png", png_bytes())
    assert _change(client, sponsor, logo_upload=upload).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="change_sponsor"))
    upload = SimpleUploadedFile("a.png", png_bytes())
    assert _change(client, sponsor, logo_upload=upload).status_code == 302
    sponsor.refresh_from_db()
    assert sponsor.logo.name.endswith(".png")


def test_the_service_refuses_a_bad_file_without_writing(db, settings):
    sponsor = SponsorFactory()
    with pytest.raises(ValidationError) as caught:
        sponsor_logo_set(sponsor=sponsor, upload=SimpleUploadedFile("x.png", b"<html></html>"))
    assert list(caught.value.message_dict) == ["logo"]
    sponsor.refresh_from_db()
    assert not sponsor.logo and _stored(settings) == []


# The sponsor's own page for its logo: for its contacts and for staff.


def _logo_url(sponsor) -> str:
    return reverse("sponsors:logo", kwargs={"slug": sponsor.slug})


def test_a_contact_of_the_sponsor_uploads_its_logo(client, db, settings, django_user_model):
    sponsor = SponsorFactory()
    person = django_user_model.objects.create_user("contact", password="pw")
    sponsor.contacts.add(person)
    client.force_login(person)
    page = client.get(sponsor.get_absolute_url()).content.decode()
    edit = reverse("sponsors:edit", kwargs={"slug": sponsor.slug})
    assert f'<a class="button" href="{edit}">Edit your page</a>' in page
    page = client.get(_logo_url(sponsor)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    response = client.post(_logo_url(sponsor), {"logo": SimpleUploadedFile("a.png", png_bytes())})
    assert response.status_code == 302 and response["Location"] == sponsor.get_absolute_url()
    sponsor.refresh_from_db()
    assert sponsor.logo.name.endswith(".png")
    page = client.get(sponsor.get_absolute_url()).content.decode()
    assert "The new logo is on the page." in page


def test_a_bad_file_on_the_sponsor_page_is_a_field_error(client, db, settings, django_user_model):
    sponsor = SponsorFactory()
    person = django_user_model.objects.create_user("contact", password="pw")
    sponsor.contacts.add(person)
    client.force_login(person)
    svg = SimpleUploadedFile("a.svg", _svg(b'<rect onload="alert(1)"/>'))
    response = client.post(_logo_url(sponsor), {"logo": svg})
    assert response.status_code == 200
    page = response.content.decode()
    errors = re.search(r'<ul class="errorlist" id="id_logo_error">(.*?)</ul>', page, re.S)
    assert errors.group(1) == (
        "<li>The SVG has an event handler (onload), which is not allowed.</li>"
    )
    assert '<a href="#id_logo">Logo: The SVG has an event handler' in page  # the summary
    sponsor.refresh_from_db()
    assert not sponsor.logo and _stored(settings) == []


def test_others_cannot_change_a_sponsors_logo(client, db, settings, django_user_model):
    sponsor = SponsorFactory()
    upload = {"logo": SimpleUploadedFile("a.png", png_bytes())}
    response = client.post(_logo_url(sponsor), upload)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    stranger = django_user_model.objects.create_user("stranger", password="pw")
    client.force_login(stranger)
    assert "Edit your page" not in client.get(sponsor.get_absolute_url()).content.decode()
    upload = {"logo": SimpleUploadedFile("a.png", png_bytes())}
    assert client.post(_logo_url(sponsor), upload).status_code == 403
    # Staff who may change sponsors may change any sponsor's logo.
    stranger.is_staff = True
    stranger.save()
    stranger.user_permissions.add(Permission.objects.get(codename="change_sponsor"))
    upload = {"logo": SimpleUploadedFile("a.png", png_bytes())}
    assert client.post(_logo_url(sponsor), upload).status_code == 302
    sponsor.refresh_from_db()
    assert sponsor.logo.name.endswith(".png")

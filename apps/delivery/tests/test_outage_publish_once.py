"""With Redis down (cache and broker), one admin save of a mirror (its form, its URLs and
netblocks inlines) published three snapshots in-process, 55 s: it publishes one."""

from html.parser import HTMLParser

from django.urls import reverse

from apps.delivery.models import Snapshot


class FormFields(HTMLParser):
    """What a browser would send for the page's main form, as it stands."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data.append((name, a.get("value") or "on"))
            else:
                self.data.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value") or ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.data.append((self._textarea, self._text.lstrip("\n")))
            self._textarea = None


def form_of(html: str) -> dict:
    parser = FormFields()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.data:
        if name == "csrfmiddlewaretoken":
            continue
        data.setdefault(name, []).append(value)
    return data


def test_with_redis_down_an_admin_save_publishes_once(
    published, staff_client, network_mirrors, django_capture_on_commit_callbacks, settings,
    redis_down, caplog,
):  # fmt: skip
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    url = reverse("admin:mirrors_mirror_change", args=[gb1.pk])
    data = form_of(staff_client.get(url).content.decode())
    data["organisation"] = ["Renamed by an admin"]
    before = Snapshot.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    gb1.refresh_from_db()
    assert gb1.organisation == "Renamed by an admin"
    assert Snapshot.objects.count() == before + 1
    assert caplog.text.count("publishing in-process") == 1

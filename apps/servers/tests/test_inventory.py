"""Infrastructure as code: the Ansible dynamic inventory (staff only), read by the real
`ansible-inventory` through contrib/ansible_inventory.py, and the Puppet ENC
(contrib/puppet_enc.py) for a known and an unknown node, both against a live portal."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from apps.core.tokens import token_issue
from apps.servers.choices import ServerCondition, ServerStatus
from apps.servers.services.condition_services import server_services_derive
from apps.sponsors.tests.factories import SponsorFactory

from .factories import ServerFactory

CONTRIB = Path(__file__).resolve().parents[3] / "contrib"
ANSIBLE_INVENTORY = Path(sys.executable).parent / "ansible-inventory"


def make_servers():
    uni = SponsorFactory(name="Uni Karlsruhe", slug="uni-karlsruhe")
    master = ServerFactory(
        hostname="master.example.org", roles=["mirror-master", "dns"], country="DE",
        sponsor=uni, ipv4="192.0.2.10", ipv6="2001:db8::10", datacentre="KA hall 2",
        condition=ServerCondition.OK,
    )  # fmt: skip
    server_services_derive(server=master)
    ServerFactory(
        hostname="www.example.org", roles=["website"], country="US", sponsor=None,
        ipv4="192.0.2.20", condition=ServerCondition.CRITICAL, status=ServerStatus.MAINTENANCE,
    )  # fmt: skip
    ServerFactory(hostname="old.example.org", roles=["wiki"], status=ServerStatus.RETIRED)
    return master


@pytest.fixture
def keys(db):
    users = get_user_model().objects
    staff = users.create_user("ops", password="pw", is_staff=True)
    volunteer = users.create_user("vol", password="pw")
    return {"staff": token_issue(user=staff, name="ansible")[1],
            "volunteer": token_issue(user=volunteer, name="mine")[1]}  # fmt: skip


def get(client, path, key=None):
    headers = {"HTTP_AUTHORIZATION": f"Token {key}"} if key else {}
    return client.get(path, **headers)


def test_only_staff_read_the_inventory(client, keys):
    make_servers()
    assert get(client, "/api/v1/inventory/ansible/").status_code == 401
    assert get(client, "/api/v1/inventory/ansible/", keys["volunteer"]).status_code == 403
    assert get(client, "/api/v1/inventory/puppet/master.example.org/").status_code == 401
    assert get(client, "/api/v1/inventory/ansible/", keys["staff"]).status_code == 200


def test_the_inventory_groups_and_host_vars(client, keys):
    make_servers()
    data = get(client, "/api/v1/inventory/ansible/", keys["staff"]).json()
    assert data["role_mirror_master"]["hosts"] == ["master.example.org"]
    assert data["country_de"]["hosts"] == ["master.example.org"]
    assert data["continent_eu"]["hosts"] == ["master.example.org"]
    assert data["continent_na"]["hosts"] == ["www.example.org"]
    assert data["sponsor_uni_karlsruhe"]["hosts"] == ["master.example.org"]
    assert data["health_critical"]["hosts"] == ["www.example.org"]
    assert data["status_maintenance"]["hosts"] == ["www.example.org"]
    assert "role_wiki" not in data  # the retired server's only role
    assert "old.example.org" not in data["_meta"]["hostvars"]
    assert "role_mirror_master" in data["all"]["children"]
    master = data["_meta"]["hostvars"]["master.example.org"]
    assert master["ansible_host"] == "192.0.2.10" and master["ipv6"] == "2001:db8::10"
    assert master["roles"] == ["dns", "mirror-master"]
    assert master["sponsor"] == {"name": "Uni Karlsruhe", "slug": "uni-karlsruhe"}
    assert master["datacentre"] == "KA hall 2"
    assert master["services"] and all({"name", "plugin", "state"} <= set(s)
                                      for s in master["services"])  # fmt: skip


def test_the_inventory_costs_the_same_queries_for_many_servers(
    client, keys, django_assert_max_num_queries
):
    make_servers()
    with django_assert_max_num_queries(5):  # token, its touch, servers, roles, services
        small = get(client, "/api/v1/inventory/ansible/", keys["staff"]).json()
    for n in range(20):
        server_services_derive(server=ServerFactory(hostname=f"m{n}.example.org",
                                                    roles=["internal-mirror"]))  # fmt: skip
    with django_assert_max_num_queries(5):
        big = get(client, "/api/v1/inventory/ansible/", keys["staff"]).json()
    assert len(big["_meta"]["hostvars"]) == len(small["_meta"]["hostvars"]) + 20


def run(command, key, url, tmp_path):
    env = {
        "PATH": os.environ["PATH"], "HOME": str(tmp_path), "ANSIBLE_HOME": str(tmp_path),
        "ANSIBLE_LOCAL_TEMP": str(tmp_path), "ANSIBLE_INVENTORY_UNPARSED_FAILED": "true",
        "ANSIBLE_INVENTORY_ENABLED": "script", "PORTAL_URL": url, "PORTAL_TOKEN": key,
        "LC_ALL": "C.UTF-8",
    }  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_ansible_inventory_reads_the_portal(live_server, keys, tmp_path):
    make_servers()
    script = str(CONTRIB / "ansible_inventory.py")
    done = run([str(ANSIBLE_INVENTORY), "-i", script, "--list"], keys["staff"],
               live_server.url, tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    inventory = json.loads(done.stdout)
    assert inventory["role_mirror_master"]["hosts"] == ["master.example.org"]
    assert inventory["country_de"]["hosts"] == ["master.example.org"]
    assert sorted(inventory["health_critical"]["hosts"]) == ["www.example.org"]
    host = inventory["_meta"]["hostvars"]["master.example.org"]
    assert host["ansible_host"] == "192.0.2.10" and host["datacentre"] == "KA hall 2"
    graph = run([str(ANSIBLE_INVENTORY), "-i", script, "--graph", "continent_eu"],
                keys["staff"], live_server.url, tmp_path)  # fmt: skip
    assert "master.example.org" in graph.stdout and "www.example.org" not in graph.stdout
    # A volunteer's token is refused and ansible-inventory says the source failed.
    refused = run([str(ANSIBLE_INVENTORY), "-i", script, "--list"], keys["volunteer"],
                  live_server.url, tmp_path)  # fmt: skip
    assert refused.returncode != 0 and "403" in refused.stderr


@pytest.mark.slow
def test_the_puppet_enc_for_a_known_and_an_unknown_node(live_server, keys, tmp_path):
    import yaml

    make_servers()
    enc = str(CONTRIB / "puppet_enc.py")
    python = shutil.which("python3")
    known = run([python, enc, "master.example.org"], keys["staff"], live_server.url, tmp_path)
    assert known.returncode == 0, known.stderr
    node = yaml.safe_load(known.stdout)
    assert node["classes"] == {"role::dns": {}, "role::mirror_master": {}}
    assert node["environment"] == "production"
    assert node["parameters"]["sponsor"] == "uni-karlsruhe"
    assert node["parameters"]["country"] == "DE" and node["parameters"]["ipv4"] == "192.0.2.10"
    unknown = run([python, enc, "nobody.example.org"], keys["staff"], live_server.url, tmp_path)
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert "nobody.example.org" in unknown.stderr
    retired = run([python, enc, "old.example.org"], keys["staff"], live_server.url, tmp_path)
    assert retired.returncode == 1

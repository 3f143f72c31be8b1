"""Offline checks of the deployment files: docker-compose.yml, the Helm values and the Kubernetes manifests.

No Docker engine or cluster is needed: the files are parsed and checked for the privacy and safety settings the
README promises (no event broker, no SQL store, our redacting Redis store with expiry, the HTTP API off, CORS
limited to partners, internal-only services, resource limits), and the nginx configuration the compose file
renders is checked with `nginx -t` when nginx is installed.
"""

from __future__ import annotations

import inspect
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
import yaml
from rasa.core.tracker_store import RedisTrackerStore

from tests.conftest import ROOT

OUR_STORE = "rasa_server.privacy.tracker_store.RedactingRedisTrackerStore"
FORBIDDEN_ARGS = ("--enable-api", "--cors", "--debug", "-vv", "--auth-token")
AFFINITY_MAP = r'"~^Bearer v1\.(?<session>[A-Za-z0-9_-]{22})\." $session;'


def load(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def load_all(path: str) -> List[Dict[str, Any]]:
    return list(yaml.safe_load_all((ROOT / path).read_text(encoding="utf-8")))


def walk(value: Any) -> Iterator[Any]:
    """Every key and value in a parsed YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)
    else:
        yield value


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def rasa_values() -> Dict[str, Any]:
    return load("deploy/helm/rasa-values.yaml")


@pytest.fixture(scope="module")
def action_values() -> Dict[str, Any]:
    return load("deploy/helm/rasa-action-server-values.yaml")


def test_the_scaled_endpoints_use_our_expiring_redis_store_and_no_broker():
    endpoints = load("deploy/endpoints.scaled.yml")
    assert endpoints["tracker_store"]["type"] == OUR_STORE
    assert "record_exp" not in endpoints["tracker_store"]
    assert endpoints["lock_store"]["type"] == "redis"
    assert "event_broker" not in endpoints
    assert endpoints["action_endpoint"]["url"] == "${ACTION_ENDPOINT_URL}"


def test_every_compose_service_has_resource_limits_and_a_read_only_filesystem(compose):
    for name, service in compose["services"].items():
        limits = service["deploy"]["resources"]["limits"]
        assert limits.get("cpus") and limits.get("memory"), name
        assert service["read_only"] is True, name


def test_only_nginx_publishes_a_port_and_only_on_loopback(compose):
    internal = compose["networks"]["internal"]
    assert internal["internal"] is True
    for name, service in compose["services"].items():
        if name == "nginx":
            assert all(str(port).startswith("127.0.0.1:") for port in service["ports"])
        else:
            assert "ports" not in service and "expose" not in service, name
            assert service["networks"] == ["internal"], name


def test_compose_runs_rasa_without_api_cors_or_debug_and_with_the_scaled_endpoints(compose):
    for name, service in compose["services"].items():
        command = " ".join(service.get("command") or [])
        assert not any(arg in command.split() for arg in FORBIDDEN_ARGS), name
    rasa = compose["services"]["rasa"]
    assert rasa["command"][rasa["command"].index("--endpoints") + 1] == "deploy/endpoints.scaled.yml"
    assert rasa["command"][rasa["command"].index("--logging-config-file") + 1] == "deploy/logging.yml"
    environment = rasa["environment"]
    assert environment["RC_ALLOWED_ORIGINS"].startswith("${RC_ALLOWED_ORIGINS:?")  # must be given, no default
    assert environment["RC_CHANNEL_SECRET"].startswith("${RC_CHANNEL_SECRET:?")
    assert environment["RC_SESSIONS_REDIS_URL"].startswith("redis://redis:")


def test_compose_redis_keeps_nothing_on_disk(compose):
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert "volumes" not in compose["services"]["redis"]


def test_the_image_turns_telemetry_off_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "RASA_TELEMETRY_ENABLED=false" in dockerfile
    assert re.search(r"^USER \d+", dockerfile, re.MULTILINE)
    assert "--enable-api" not in dockerfile
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".secrets" in ignored and ".venv" in ignored


@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(), reason="nginx missing")
def test_the_nginx_configuration_compose_renders_is_valid(compose, tmp_path):
    script = compose["services"]["nginx"]["command"][-1]
    replacements = re.findall(r"-e 's\|([^|]+)\|([^|]*)\|g?'", script)
    assert {placeholder for placeholder, _ in replacements} == {"@DIR@", "@LISTEN@", "@SERVERS@", "@REPLICA_HEADER@"}
    text = (ROOT / "deploy" / "nginx.scaled.conf.template").read_text(encoding="utf-8")
    for placeholder, value in replacements:
        value = value.replace("/tmp/nginx", str(tmp_path)).replace("rasa:5005", "127.0.0.1:5005")
        text = text.replace(placeholder, value)
    assert "@" not in re.sub(r"#.*", "", text)
    (tmp_path / "tmp").mkdir()
    (tmp_path / "nginx.conf").write_text(text, encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_helm_rasa_runs_without_the_http_api_cors_or_debug(rasa_values):
    args = rasa_values["args"]
    assert args[0] == "run"
    assert not set(args) & set(FORBIDDEN_ARGS)
    assert args[args.index("--endpoints") + 1] == "/app/endpoints.yml"  # where the chart mounts its ConfigMap
    assert args[args.index("--credentials") + 1] == "/app/credentials.yml"
    settings = rasa_values["applicationSettings"]
    assert settings["enableAPI"] is False and settings["debugMode"] is False
    assert settings["telemetry"]["enabled"] is False
    assert not settings["cors"]


def test_helm_rasa_keeps_conversations_only_in_our_expiring_redis_store(rasa_values):
    endpoints = rasa_values["applicationSettings"]["endpoints"]
    store = endpoints["trackerStore"]
    assert store["enabled"] is True and store["type"] == OUR_STORE
    keys = set(store) - {"enabled", "type"}
    assert "record_exp" not in keys
    accepted = set(inspect.signature(RedisTrackerStore.__init__).parameters) | {"url"}  # Rasa passes url as host
    assert keys <= accepted, keys - accepted  # the chart writes each key into endpoints.yml as a store argument
    assert endpoints["lockStore"]["enabled"] is True and endpoints["lockStore"]["type"] == "redis"
    assert endpoints["eventBroker"]["enabled"] is False
    assert rasa_values["postgresql"]["install"] is False
    assert rasa_values["rabbitmq"]["install"] is False
    redis = rasa_values["redis"]
    assert redis["master"]["persistence"]["enabled"] is False
    assert 'save ""' in redis["commonConfiguration"] and "appendonly no" in redis["commonConfiguration"]


def test_helm_rasa_opens_only_the_website_channel_for_listed_partners(rasa_values):
    channels = rasa_values["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    assert list(channels) == ["rasa_server.channels.website.WebsiteInput"]
    origins = channels["rasa_server.channels.website.WebsiteInput"]["allowed_origins"]
    env = {item["name"]: item for item in rasa_values["extraEnv"]}
    origins += env["RC_ALLOWED_ORIGINS"]["value"].split(",")
    assert origins and all(origin.startswith("https://") and "*" not in origin for origin in origins)
    assert "secretKeyRef" in env["RC_CHANNEL_SECRET"]["valueFrom"]
    assert env["RC_SESSIONS_REDIS_URL"]["value"].startswith("redis://")


@pytest.mark.parametrize("values_file", ["deploy/helm/rasa-values.yaml", "deploy/helm/rasa-action-server-values.yaml"])
def test_helm_pods_are_internal_limited_and_unprivileged(values_file):
    values = load(values_file)
    for kind in ("requests", "limits"):
        assert values["resources"][kind]["cpu"] and values["resources"][kind]["memory"], kind
    assert values["service"]["type"] == "ClusterIP"
    assert values["ingress"]["enabled"] is False
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["applicationSettings"]["telemetry"]["enabled"] is False
    assert {"name": "LOG_LEVEL", "value": "INFO"} in values["extraEnv"]
    assert "--logging-config-file" in values["args"]


def test_helm_action_server_runs_our_actions(action_values):
    assert action_values["args"][:4] == ["run", "actions", "--actions", "actions"]


def test_the_ingress_exposes_only_the_website_channel_with_affinity_by_session():
    ingress, controller = load_all("deploy/k8s/ingress.yaml")
    paths = [path for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    assert [path["path"] for path in paths] == ["/webhooks/website/"]
    assert ingress["spec"]["tls"]
    key = ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/upstream-hash-by"]
    snippet = controller["data"]["http-snippet"]
    assert f"map $http_authorization {key} {{" in snippet
    template = (ROOT / "deploy" / "nginx.scaled.conf.template").read_text(encoding="utf-8")
    assert AFFINITY_MAP in snippet and AFFINITY_MAP in template  # the same session key everywhere


def test_network_policies_guard_the_action_server_and_redis():
    policies = {policy["metadata"]["name"]: policy for policy in load_all("deploy/k8s/network-policies.yaml")}
    for name in ("rights-companion-actions", "rights-companion-redis"):
        (rule,) = policies[name]["spec"]["ingress"]
        assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "rasa"}}}]


def test_no_deployment_file_mentions_an_event_broker_or_sql_store():
    files = ["docker-compose.yml", "deploy/endpoints.scaled.yml", "deploy/helm/rasa-values.yaml"]
    files += ["deploy/helm/rasa-action-server-values.yaml", "deploy/k8s/ingress.yaml"]
    for path in files:
        for document in load_all(path):
            words = {str(item).lower() for item in walk(document)}
            assert not words & {"event_broker", "sql", "postgresql://", "pika", "kafka", "mongod"}, path

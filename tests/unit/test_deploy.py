"""The deployment files agree with the code: docker-compose.yml, the Dockerfile and deploy/.

No Docker engine runs where the tests run, so these tests read the files. PyYAML is not a dependency:
`load_yaml` reads the strict subset of YAML the compose file is written in (block mappings and
sequences, one-line flow sequences, plain and quoted scalars, anchors, aliases and `<<` merges) and
refuses anything else, so a construct it does not know fails loudly instead of being misread.

Every check is a function from the deployment files to the problems it finds. Each runs once on the
real files (no problems) and once on an edited copy in a temporary folder (the problem it is there to
catch), so no check can pass by accident.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.common import SearchAttributeIndexedValueType

from core.env_names import env_name
from core.settings import Settings
from workflows.common.search import SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
FILES = (
    "docker-compose.yml",
    "Dockerfile",
    ".dockerignore",
    "deploy/README.md",
    "deploy/postgres/init.sql",
    "deploy/temporal/setup-schema.sh",
    "deploy/temporal/dynamicconfig.yaml",
)
LOCAL = "127.0.0.1"
SETTINGS_VARS = frozenset(env_name(field) for field in Settings.model_fields)
REQUIRED_EHCP = ("EHCP_DATABASE_URL", "EHCP_TEMPORAL_ADDRESS", "EHCP_CODEC_KEYS", "EHCP_CODEC_ACTIVE_KEY")
CONDITIONS = frozenset({"service_started", "service_healthy", "service_completed_successfully"})
CLI_TYPE = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
}


# --- a strict reader of the YAML subset ------------------------------------------------------------


class YamlSubsetError(ValueError):
    """The text uses YAML outside the subset `load_yaml` reads, or is not valid YAML."""


@dataclass(frozen=True)
class _Line:
    number: int
    indent: int
    text: str


_NAME = r"[A-Za-z0-9_.-]+"
_ANCHOR = re.compile(rf"&({_NAME})(?:\s+|$)")
_ALIAS = re.compile(rf"\*({_NAME})")
_PLAIN_KEY = re.compile(r"([^\s\"'#\[\]{}&*!|>%@`-][^:]*?|-[^\s:][^:]*?)\s*:(?:\s+|$)")
_MAPPING_ITEM = re.compile(r"[^\s\"'\[\]{}][^:]*:(?:\s|$)")
_INT = re.compile(r"[-+]?[0-9]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t"}


def _strip_comment(raw: str, number: int) -> str:
    quote = ""
    index = 0
    while index < len(raw):
        char = raw[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if quote and char == quote:
            if quote == "'" and raw[index + 1 : index + 2] == "'":
                index += 2
                continue
            quote = ""
        elif not quote and char in "\"'" and (index == 0 or raw[index - 1] in " [,"):
            quote = char
        elif not quote and char == "#" and (index == 0 or raw[index - 1] == " "):
            return raw[:index].rstrip()
        index += 1
    if quote:
        raise YamlSubsetError(f"line {number}: unterminated {quote} string")
    return raw.rstrip()


def _lines(text: str) -> list[_Line]:
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        body = raw.lstrip(" ")
        if body.startswith("\t"):
            raise YamlSubsetError(f"line {number}: a tab in the indentation")
        content = _strip_comment(body, number)
        if not content:
            continue
        if content.startswith(("---", "...", "%")):
            raise YamlSubsetError(f"line {number}: documents and directives are not in the subset")
        lines.append(_Line(number, len(raw) - len(body), content))
    return lines


def _quoted(text: str, number: int) -> tuple[str, str]:
    """The quoted scalar at the start of `text`, and what follows it."""
    quote, out, index = text[0], [], 1
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in _ESCAPES:
                raise YamlSubsetError(f"line {number}: escape \\{escaped} is not in the subset")
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        if char == quote:
            if quote == "'" and text[index + 1 : index + 2] == "'":
                out.append("'")
                index += 2
                continue
            return "".join(out), text[index + 1 :]
        out.append(char)
        index += 1
    raise YamlSubsetError(f"line {number}: unterminated {quote} string")


def _plain(text: str, number: int) -> Any:
    if text[0] in "!%@`{}|>&*":
        raise YamlSubsetError(f"line {number}: {text[0]!r} starts a construct outside the subset")
    if ": " in text or text.endswith(":"):
        raise YamlSubsetError(f"line {number}: a plain scalar holding ': ' is ambiguous; quote it")
    if text in ("null", "~"):
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    return text


def _scalar(text: str, number: int) -> Any:
    if text[0] in "\"'":
        value, rest = _quoted(text, number)
        if rest.strip():
            raise YamlSubsetError(f"line {number}: text after a quoted string: {rest.strip()!r}")
        return value
    return _plain(text, number)


def _flow_sequence(text: str, number: int) -> list[Any]:
    if not text.endswith("]"):
        raise YamlSubsetError(f"line {number}: a flow sequence must close on its line")
    body, items = text[1:-1].strip(), []
    while body:
        if body[0] in "[{":
            raise YamlSubsetError(f"line {number}: nested flow collections are not in the subset")
        if body[0] in "\"'":
            value, body = _quoted(body, number)
            items.append(value)
            body = body.strip()
        else:
            item, _, _ = body.partition(",")
            items.append(_plain(item.strip(), number))
            body = body[len(item) :].strip()
        if body.startswith(","):
            body = body[1:].strip()
            if not body:
                raise YamlSubsetError(f"line {number}: a trailing comma in a flow sequence")
        elif body:
            raise YamlSubsetError(f"line {number}: expected ',' in a flow sequence, found {body!r}")
    return items


class _Parser:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.pos = 0
        self.anchors: dict[str, Any] = {}

    def document(self) -> Any:
        if not self.lines:
            return None
        if self.lines[0].indent:
            raise YamlSubsetError(f"line {self.lines[0].number}: the document must start at column 0")
        value = self.block(0)
        if self.pos < len(self.lines):
            raise YamlSubsetError(f"line {self.lines[self.pos].number}: unexpected indentation")
        return value

    def block(self, indent: int) -> Any:
        first = self.lines[self.pos].text
        return self.sequence(indent) if first == "-" or first.startswith("- ") else self.mapping(indent)

    def nested(self, indent: int) -> Any:
        if self.pos < len(self.lines) and self.lines[self.pos].indent > indent:
            return self.block(self.lines[self.pos].indent)
        return None

    def mapping(self, indent: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        while self.pos < len(self.lines) and self.lines[self.pos].indent == indent:
            line = self.lines[self.pos]
            if line.text == "-" or line.text.startswith("- "):
                raise YamlSubsetError(f"line {line.number}: a sequence item where a key was expected")
            key, rest = self.key(line)
            self.pos += 1
            if key == "<<":
                if not _ALIAS.fullmatch(rest):
                    raise YamlSubsetError(f"line {line.number}: '<<' takes one alias (*name)")
                source = self.value(rest, indent, line)
                if not isinstance(source, dict):
                    raise YamlSubsetError(f"line {line.number}: '<<' must merge a mapping")
                for name, value in source.items():
                    merged.setdefault(name, value)
                continue
            if key in result:
                raise YamlSubsetError(f"line {line.number}: duplicate key {key!r}")
            result[key] = self.value(rest, indent, line)
        if self.pos < len(self.lines) and self.lines[self.pos].indent > indent:
            raise YamlSubsetError(f"line {self.lines[self.pos].number}: unexpected indentation")
        return {**merged, **result}

    def sequence(self, indent: int) -> list[Any]:
        items: list[Any] = []
        while self.pos < len(self.lines) and self.lines[self.pos].indent == indent:
            line = self.lines[self.pos]
            if line.text != "-" and not line.text.startswith("- "):
                raise YamlSubsetError(f"line {line.number}: a key where a sequence item was expected")
            rest = line.text[1:].strip()
            if _MAPPING_ITEM.match(rest):
                raise YamlSubsetError(f"line {line.number}: mappings inside sequences are not in the subset")
            self.pos += 1
            items.append(self.value(rest, indent, line))
        return items

    def key(self, line: _Line) -> tuple[str, str]:
        if line.text[0] in "\"'":
            key, rest = _quoted(line.text, line.number)
            if not (rest == ":" or rest.startswith(": ")):
                raise YamlSubsetError(f"line {line.number}: expected ':' after the quoted key")
            return key, rest[1:].strip()
        match = _PLAIN_KEY.match(line.text)
        if not match:
            raise YamlSubsetError(f"line {line.number}: expected 'key: value', found {line.text!r}")
        return match.group(1), line.text[match.end() :].strip()

    def value(self, rest: str, indent: int, line: _Line) -> Any:
        anchor = _ANCHOR.match(rest)
        if anchor:
            rest = rest[anchor.end() :]
        if not rest:
            value = self.nested(indent)
        elif rest[0] == "*":
            alias = _ALIAS.fullmatch(rest)
            if not alias or alias.group(1) not in self.anchors:
                raise YamlSubsetError(f"line {line.number}: unknown alias {rest!r}")
            value = self.anchors[alias.group(1)]
        elif rest[0] in "|>":
            raise YamlSubsetError(f"line {line.number}: block scalars are not in the subset")
        elif rest[0] == "{":
            raise YamlSubsetError(f"line {line.number}: flow mappings are not in the subset")
        elif rest[0] == "[":
            value = _flow_sequence(rest, line.number)
        else:
            value = _scalar(rest, line.number)
        if rest and self.pos < len(self.lines) and self.lines[self.pos].indent > indent:
            raise YamlSubsetError(f"line {self.lines[self.pos].number}: unexpected indentation")
        if anchor:
            if anchor.group(1) in self.anchors:
                raise YamlSubsetError(f"line {line.number}: anchor &{anchor.group(1)} defined twice")
            self.anchors[anchor.group(1)] = value
        return value


def load_yaml(text: str) -> Any:
    """Parse the YAML subset described in the module docstring; anything else raises YamlSubsetError."""
    return _Parser(_lines(text)).document()


# --- the deployment and its checks -----------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    root: Path
    compose: dict[str, Any]
    dockerfile: str
    dockerignore: str
    readme: str
    init_sql: str
    setup_script: str

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = self.compose["services"]
        return services


def load_deployment(root: Path) -> Deployment:
    def read(name: str) -> str:
        return (root / name).read_text(encoding="utf-8")

    compose = load_yaml(read("docker-compose.yml"))
    assert isinstance(compose, dict)
    return Deployment(
        root=root,
        compose=compose,
        dockerfile=read("Dockerfile"),
        dockerignore=read(".dockerignore"),
        readme=read("deploy/README.md"),
        init_sql=read("deploy/postgres/init.sql"),
        setup_script=read("deploy/temporal/setup-schema.sh"),
    )


def environment(service: dict[str, Any]) -> dict[str, Any]:
    """A service's environment as a mapping, from either Compose form."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {name: (value if sep else None) for name, sep, value in (e.partition("=") for e in env)}
    return dict(env)


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """A service's dependencies and the condition each waits for, from either Compose form."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Short-syntax volume mounts: target -> source."""
    result = {}
    for volume in service.get("volumes") or []:
        source, _, rest = str(volume).partition(":")
        result[rest.split(":")[0]] = source
    return result


def has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    return bool(check.get("test")) and not check.get("disable", False)


def shell_code(script: str) -> str:
    """A shell script without its comment lines, so a check cannot be met by a comment."""
    return "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))


def check_compose_shape(d: Deployment) -> list[str]:
    problems = []
    if "version" in d.compose:
        problems.append("the Compose spec has no `version:` key; remove it")
    for name, service in d.services.items():
        if "image" not in service and "build" not in service:
            problems.append(f"{name}: has neither image nor build")
    return problems


def check_images_pinned(d: Deployment) -> list[str]:
    problems = []
    for name, service in d.services.items():
        ref = service.get("image")
        if ref is None:
            continue
        last = str(ref).rsplit("/", 1)[-1]
        tag = last.partition(":")[2].partition("@")[0]
        if "${" in str(ref):
            problems.append(f"{name}: image {ref} takes its tag from a variable")
        elif not tag:
            problems.append(f"{name}: image {ref} has no tag")
        elif tag == "latest":
            problems.append(f"{name}: image {ref} uses latest")
        elif not re.match(r"v?\d+\.\d+", tag):
            problems.append(f"{name}: image {ref} is not pinned to a release (major.minor at least)")
    return problems


def check_ports_local(d: Deployment) -> list[str]:
    problems = []
    for name, service in d.services.items():
        if service.get("network_mode") == "host":
            problems.append(f"{name}: network_mode host publishes every port")
        for port in service.get("ports") or []:
            host_ip = port.get("host_ip") if isinstance(port, dict) else str(port).split(":")[0]
            if host_ip != LOCAL or (isinstance(port, str) and port.count(":") != 2):
                problems.append(f"{name}: port {port} is not published on {LOCAL} only")
    return problems


def check_ehcp_env(d: Deployment) -> list[str]:
    problems = []
    for name in ("api", "worker", "migrate"):
        env = environment(d.services.get(name, {}))
        problems += [f"{name}: {var} is not set" for var in REQUIRED_EHCP if not env.get(var)]
        if env.get("EHCP_ALLOW_DEV_KEYS") != "false":
            problems.append(f"{name}: EHCP_ALLOW_DEV_KEYS must be false")
        for var in ("EHCP_CODEC_KEYS", "EHCP_CODEC_ACTIVE_KEY"):
            if not str(env.get(var, "")).startswith(f"${{{var}:?"):
                problems.append(f"{name}: {var} must be required with ${{{var}:?message}}")
        url = str(env.get("EHCP_DATABASE_URL", ""))
        if not (url.startswith("postgresql+psycopg://") and url.endswith("@postgres:5432/ehcp")):
            problems.append(f"{name}: EHCP_DATABASE_URL is not the ehcp database on the postgres service")
    shared = d.compose.get("x-ehcp-env")
    if not isinstance(shared, dict):
        problems.append("x-ehcp-env: the shared environment anchor is missing")
    else:
        for name in ("api", "worker", "migrate"):
            env = environment(d.services.get(name, {}))
            problems += [
                f"{name}: {var} differs from x-ehcp-env" for var in shared if env.get(var) != shared[var]
            ]
    return problems


def check_ehcp_vars_are_settings(d: Deployment) -> list[str]:
    problems = []
    blocks = {f"service {name}": environment(s) for name, s in d.services.items()}
    blocks |= {
        key: value for key, value in d.compose.items() if key.startswith("x-") and isinstance(value, dict)
    }
    for where, env in blocks.items():
        problems += [
            f"{where}: {var} is not a field of core.settings.Settings"
            for var in env
            if var.startswith("EHCP_") and var not in SETTINGS_VARS
        ]
    for var in re.findall(r"\b(EHCP_[A-Z0-9_]+)=", d.dockerfile):
        if var not in SETTINGS_VARS:
            problems.append(f"Dockerfile: {var} is not a field of core.settings.Settings")
    return problems


def check_depends_on(d: Deployment) -> list[str]:
    problems = []
    for name, service in d.services.items():
        for dep, condition in depends_on(service).items():
            target = d.services.get(dep)
            if target is None:
                problems.append(f"{name}: depends on {dep}, which is not a service")
            elif condition not in CONDITIONS:
                problems.append(f"{name}: unknown condition {condition} on {dep}")
            elif condition == "service_healthy" and not has_healthcheck(target):
                problems.append(f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
            elif condition == "service_completed_successfully" and target.get("restart", "no") != "no":
                problems.append(f"{name}: waits for one-shot {dep} to complete, but {dep} restarts")
    return problems


START_ORDER = {
    "temporal-admin-tools": {"postgres": "service_healthy"},
    "temporal": {"temporal-admin-tools": "service_completed_successfully"},
    "temporal-search-attributes": {"temporal": "service_healthy"},
    "temporal-ui": {"temporal": "service_healthy"},
    "migrate": {"postgres": "service_healthy"},
    "api": {
        "postgres": "service_healthy",
        "migrate": "service_completed_successfully",
        "temporal-search-attributes": "service_completed_successfully",
    },
}
START_ORDER["worker"] = START_ORDER["api"]


def check_start_order(d: Deployment) -> list[str]:
    problems = []
    for name, wanted in START_ORDER.items():
        actual = depends_on(d.services.get(name, {}))
        problems += [
            f"{name}: must depend on {dep} with {condition}"
            for dep, condition in wanted.items()
            if actual.get(dep) != condition
        ]
    return problems


def check_postgres(d: Deployment) -> list[str]:
    problems = []
    postgres = d.services.get("postgres", {})
    if not str(postgres.get("image", "")).startswith("postgres:16."):
        problems.append("postgres: image must be postgres:16.<patch>")
    if not str(environment(postgres).get("POSTGRES_PASSWORD", "")).startswith("${POSTGRES_PASSWORD:?"):
        problems.append("postgres: POSTGRES_PASSWORD must be required with ${POSTGRES_PASSWORD:?...}")
    if "pg_isready" not in " ".join(map(str, postgres.get("healthcheck", {}).get("test", []))):
        problems.append("postgres: the healthcheck must use pg_isready")
    volumes = mounts(postgres)
    if volumes.get("/var/lib/postgresql/data") not in (d.compose.get("volumes") or {}):
        problems.append("postgres: the data directory must be a named volume")
    init = [t for t, s in volumes.items() if s == "./deploy/postgres/init.sql"]
    if not (init and init[0].startswith("/docker-entrypoint-initdb.d/")):
        problems.append("postgres: deploy/postgres/init.sql must be mounted into /docker-entrypoint-initdb.d")
    created = set(re.findall(r"CREATE DATABASE (\w+);", d.init_sql))
    if created != {"temporal", "temporal_visibility", "ehcp"}:
        problems.append(f"init.sql: creates {sorted(created)}, not temporal, temporal_visibility and ehcp")
    return problems


TEMPORAL_DB_ENV = (
    "DB_PORT",
    "POSTGRES_USER",
    "POSTGRES_PWD",
    "POSTGRES_SEEDS",
    "DBNAME",
    "VISIBILITY_DBNAME",
)


def check_temporal(d: Deployment) -> list[str]:
    problems = [
        f"{name}: uses the deprecated auto-setup image"
        for name, service in d.services.items()
        if "temporalio/auto-setup" in str(service.get("image", ""))
    ]
    temporal = d.services.get("temporal", {})
    env = environment(temporal)
    if not str(temporal.get("image", "")).startswith("temporalio/server:"):
        problems.append("temporal: image must be temporalio/server")
    if env.get("DB") != "postgres12":
        problems.append("temporal: DB must be postgres12")
    problems += [f"temporal: {var} is not set" for var in TEMPORAL_DB_ENV if not env.get(var)]
    config = env.get("DYNAMIC_CONFIG_FILE_PATH")
    if mounts(temporal).get(str(config)) != "./deploy/temporal/dynamicconfig.yaml":
        problems.append(
            "temporal: DYNAMIC_CONFIG_FILE_PATH must be deploy/temporal/dynamicconfig.yaml, mounted"
        )
    if not has_healthcheck(temporal):
        problems.append("temporal: has no healthcheck")
    ui = d.services.get("temporal-ui", {})
    if not str(ui.get("image", "")).startswith("temporalio/ui:"):
        problems.append("temporal-ui: image must be temporalio/ui")
    if environment(ui).get("TEMPORAL_ADDRESS") != "temporal:7233":
        problems.append("temporal-ui: TEMPORAL_ADDRESS must be temporal:7233")
    return problems


def check_schema_job(d: Deployment) -> list[str]:
    problems = []
    job = d.services.get("temporal-admin-tools", {})
    if not str(job.get("image", "")).startswith("temporalio/admin-tools:"):
        problems.append("temporal-admin-tools: image must be temporalio/admin-tools")
    if mounts(job).get("/deploy/setup-schema.sh") != "./deploy/temporal/setup-schema.sh":
        problems.append("temporal-admin-tools: deploy/temporal/setup-schema.sh is not mounted")
    if job.get("command") != ["schema"]:
        problems.append("temporal-admin-tools: command must be [schema]")
    problems += [
        f"temporal-admin-tools: {var} is not set" for var in TEMPORAL_DB_ENV if not environment(job).get(var)
    ]
    script = shell_code(d.setup_script)
    for needed in (
        "temporal-sql-tool",
        " create",
        "setup-schema -v 0.0",
        "update-schema -d",
        "/etc/temporal/schema/postgresql/v12",
        'setup_store "$DBNAME" temporal',
        'setup_store "$VISIBILITY_DBNAME" visibility',
    ):
        if needed not in script:
            problems.append(f"setup-schema.sh: missing {needed!r}")
    return problems


def check_search_attributes(d: Deployment) -> list[str]:
    problems = []
    job = d.services.get("temporal-search-attributes", {})
    if not str(job.get("image", "")).startswith("temporalio/admin-tools:"):
        problems.append("temporal-search-attributes: image must be temporalio/admin-tools")
    command = [str(part) for part in job.get("command") or []]
    pairs = [part.split("=", 1) for part in command if "=" in part]
    named = dict(pairs)
    wanted = {key.name: CLI_TYPE[key.indexed_value_type] for key in SEARCH_ATTRIBUTES}
    if len(pairs) != len(named) or named != wanted:
        problems.append(f"temporal-search-attributes: registers {command}, not exactly {wanted}")
    if "temporal operator search-attribute create" not in shell_code(d.setup_script):
        problems.append("setup-schema.sh: does not run `temporal operator search-attribute create`")
    return problems


def check_app_services(d: Deployment) -> list[str]:
    problems = []
    for name, command in (
        ("api", ["ehcp", "api"]),
        ("worker", ["ehcp", "worker"]),
        ("migrate", ["ehcp", "migrate"]),
    ):
        service = d.services.get(name, {})
        if service.get("build") != ".":
            problems.append(f"{name}: must be built from the Dockerfile (build: .)")
        if service.get("command") != command:
            problems.append(f"{name}: command must be {command}")
    api = d.services.get("api", {})
    test = " ".join(map(str, api.get("healthcheck", {}).get("test", [])))
    if "http://127.0.0.1:8000/api/health" not in test:
        problems.append("api: the healthcheck must request /api/health on port 8000")
    worker = d.services.get("worker", {})
    outbox = environment(worker).get("EHCP_OUTBOX_DIR")
    if mounts(worker).get(str(outbox)) not in (d.compose.get("volumes") or {}):
        problems.append("worker: EHCP_OUTBOX_DIR must be on a named volume")
    if not isinstance(worker.get("deploy", {}).get("replicas"), int):
        problems.append("worker: deploy.replicas must be set")
    if "EHCP_NOTIFIER" not in environment(worker):
        problems.append("worker: EHCP_NOTIFIER is not set")
    return problems


def check_dockerfile(d: Deployment) -> list[str]:
    problems = []
    instructions = [line.strip() for line in d.dockerfile.splitlines() if line.strip()[:1] not in ("", "#")]
    froms = [line for line in instructions if line.upper().startswith("FROM ")]
    if not froms or not re.fullmatch(r"FROM python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", froms[-1]):
        problems.append(f"Dockerfile: base image {froms[-1:]} is not python:3.11.<patch>-slim")
    users = [line.split()[1] for line in instructions if line.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("Dockerfile: the image must end on a non-root USER")
    if "EXPOSE 8000" not in instructions:
        problems.append("Dockerfile: missing EXPOSE 8000")
    if not any(re.search(r"pip install \.(\s|$)", line) for line in instructions):
        problems.append("Dockerfile: must install the project with `pip install .` (no extras)")
    entrypoint = [line for line in instructions if line.startswith("ENTRYPOINT ")]
    if not entrypoint or "exec ehcp" not in entrypoint[-1]:
        problems.append("Dockerfile: the entrypoint must exec the ehcp console script")
    if 'CMD ["ehcp", "api"]' not in instructions:
        problems.append('Dockerfile: the default command must be ["ehcp", "api"]')
    ignored = {line.strip() for line in d.dockerignore.splitlines()}
    for entry in (".venv", "var", ".git", ".env", "__pycache__", ".pytest_cache", "tests", "bench"):
        if entry not in ignored:
            problems.append(f".dockerignore: missing {entry}")
    return problems


def check_readme(d: Deployment) -> list[str]:
    problems = [
        f"deploy/README.md: {var} is not documented" for var in sorted(SETTINGS_VARS) if var not in d.readme
    ]
    for needed in (
        "docker compose up -d",
        "import os,base64;print('k1:'+base64.b64encode(os.urandom(32)).decode())",
        "Temporal Cloud",
        "Helm",
        "--scale worker=",
    ):
        if needed not in d.readme:
            problems.append(f"deploy/README.md: missing {needed!r}")
    return problems


CHECKS: dict[str, Callable[[Deployment], list[str]]] = {
    check.__name__.removeprefix("check_"): check
    for check in (
        check_compose_shape,
        check_images_pinned,
        check_ports_local,
        check_ehcp_env,
        check_ehcp_vars_are_settings,
        check_depends_on,
        check_start_order,
        check_postgres,
        check_temporal,
        check_schema_job,
        check_search_attributes,
        check_app_services,
        check_dockerfile,
        check_readme,
    )
}


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return load_deployment(ROOT)


@pytest.mark.parametrize("name", CHECKS)
def test_the_deployment_passes(name: str, deployment: Deployment) -> None:
    assert CHECKS[name](deployment) == []


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str
    check: str
    expect: str


EDITS = {
    "version key": Edit(
        "docker-compose.yml", "services:\n", 'version: "3.8"\nservices:\n', "compose_shape", "version"
    ),
    "no image or build": Edit(
        "docker-compose.yml",
        '    image: "temporalio/ui:2.49.1"\n',
        "",
        "compose_shape",
        "temporal-ui: has neither",
    ),
    "latest tag": Edit(
        "docker-compose.yml",
        '"temporalio/ui:2.49.1"',
        '"temporalio/ui:latest"',
        "images_pinned",
        "uses latest",
    ),
    "no tag": Edit("docker-compose.yml", '"postgres:16.10"', '"postgres"', "images_pinned", "has no tag"),
    "major-only tag": Edit(
        "docker-compose.yml", '"postgres:16.10"', '"postgres:16"', "images_pinned", "not pinned"
    ),
    "port on all interfaces": Edit(
        "docker-compose.yml",
        '"127.0.0.1:8080:8080"',
        '"8080:8080"',
        "ports_local",
        "temporal-ui: port 8080:8080",
    ),
    "port on 0.0.0.0": Edit(
        "docker-compose.yml", '"127.0.0.1:7233:7233"', '"0.0.0.0:7233:7233"', "ports_local", "temporal: port"
    ),
    "codec keys missing": Edit(
        "docker-compose.yml",
        "  EHCP_CODEC_KEYS: ",
        "  EHCP_CODEC_KEYS_OFF: ",
        "ehcp_env",
        "EHCP_CODEC_KEYS is not set",
    ),
    "codec keys optional": Edit(
        "docker-compose.yml", "${EHCP_CODEC_KEYS:?", "${EHCP_CODEC_KEYS:-", "ehcp_env", "must be required"
    ),
    "dev keys allowed": Edit(
        "docker-compose.yml",
        'EHCP_ALLOW_DEV_KEYS: "false"',
        'EHCP_ALLOW_DEV_KEYS: "true"',
        "ehcp_env",
        "must be false",
    ),
    "api overrides shared env": Edit(
        "docker-compose.yml",
        '      EHCP_API_HOST: "0.0.0.0"\n',
        '      EHCP_API_HOST: "0.0.0.0"\n      EHCP_TEMPORAL_ADDRESS: "elsewhere:7233"\n',
        "ehcp_env",
        "api: EHCP_TEMPORAL_ADDRESS differs",
    ),
    "unknown EHCP variable": Edit(
        "docker-compose.yml",
        "EHCP_OUTBOX_DIR:",
        "EHCP_OUTBOX_PATH:",
        "ehcp_vars_are_settings",
        "EHCP_OUTBOX_PATH",
    ),
    "unknown EHCP variable in the Dockerfile": Edit(
        "Dockerfile",
        "EHCP_API_PORT=8000",
        "EHCP_PORT=8000",
        "ehcp_vars_are_settings",
        "Dockerfile: EHCP_PORT",
    ),
    "depends on a missing service": Edit(
        "docker-compose.yml",
        "      temporal-admin-tools:\n        condition",
        "      temporal-schema:\n        condition",
        "depends_on",
        "temporal-schema, which is not a service",
    ),
    "healthy without a healthcheck": Edit(
        "docker-compose.yml",
        '      test: ["CMD", "nc", "-z", "127.0.0.1", "7233"]\n      interval: 5s\n      timeout: 3s\n'
        "      retries: 60\n      start_period: 30s\n",
        "      disable: true\n",
        "depends_on",
        "temporal has no healthcheck",
    ),
    "one-shot that restarts": Edit(
        "docker-compose.yml",
        '    build: .\n    restart: "no"\n    command: ["ehcp", "migrate"]',
        '    build: .\n    restart: on-failure\n    command: ["ehcp", "migrate"]',
        "depends_on",
        "migrate restarts",
    ),
    "api not waiting for migrate": Edit(
        "docker-compose.yml",
        "      migrate:\n        condition: service_completed_successfully\n"
        "      temporal-search-attributes:\n        condition: service_completed_successfully\n\n  worker:",
        "      temporal-search-attributes:\n        condition: service_completed_successfully\n\n  worker:",
        "start_order",
        "api: must depend on migrate",
    ),
    "postgres password optional": Edit(
        "docker-compose.yml",
        'POSTGRES_PASSWORD: "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"\n    volumes',
        'POSTGRES_PASSWORD: "${POSTGRES_PASSWORD}"\n    volumes',
        "postgres",
        "POSTGRES_PASSWORD must be required",
    ),
    "init.sql misses a database": Edit(
        "deploy/postgres/init.sql", "CREATE DATABASE ehcp;\n", "", "postgres", "init.sql: creates"
    ),
    "auto-setup image": Edit(
        "docker-compose.yml",
        '"temporalio/server:1.31.0"',
        '"temporalio/auto-setup:1.31.0"',
        "temporal",
        "deprecated auto-setup",
    ),
    "temporal without visibility db": Edit(
        "docker-compose.yml",
        '  VISIBILITY_DBNAME: "temporal_visibility"\n',
        "",
        "temporal",
        "VISIBILITY_DBNAME is not set",
    ),
    "schema job without update-schema": Edit(
        "deploy/temporal/setup-schema.sh", 'update-schema -d "', 'echo "', "schema_job", "update-schema -d"
    ),
    "search attribute missing": Edit(
        "docker-compose.yml", ', "EhcpAttention=Keyword"]', "]", "search_attributes", "not exactly"
    ),
    "search attribute wrong type": Edit(
        "docker-compose.yml",
        '"EhcpNextDue=Datetime"',
        '"EhcpNextDue=Keyword"',
        "search_attributes",
        "not exactly",
    ),
    "search attribute extra": Edit(
        "docker-compose.yml",
        '"EhcpAttention=Keyword"]',
        '"EhcpAttention=Keyword", "ChildName=Text"]',
        "search_attributes",
        "not exactly",
    ),
    "api healthcheck elsewhere": Edit(
        "docker-compose.yml", "8000/api/health'", "8000/'", "app_services", "/api/health"
    ),
    "worker command": Edit(
        "docker-compose.yml", '["ehcp", "worker"]', '["ehcp", "api"]', "app_services", "worker: command"
    ),
    "unpinned base image": Edit(
        "Dockerfile", "FROM python:3.11.14-slim", "FROM python:3.11-slim", "dockerfile", "base image"
    ),
    "root user": Edit("Dockerfile", "USER 10001:10001", "USER root", "dockerfile", "non-root USER"),
    "dev extras": Edit(
        "Dockerfile", "pip install . &&", "pip install '.[dev]' &&", "dockerfile", "pip install ."
    ),
    "tests in the image": Edit(
        ".dockerignore", "\ntests\n", "\n", "dockerfile", ".dockerignore: missing tests"
    ),
    "undocumented variable": Edit(
        "deploy/README.md", "EHCP_UPLOAD_MAX_BYTES", "EHCP_UPLOAD_LIMIT", "readme", "EHCP_UPLOAD_MAX_BYTES"
    ),
}


def test_every_check_is_shown_to_fail() -> None:
    assert {edit.check for edit in EDITS.values()} == set(CHECKS)


@pytest.mark.parametrize("name", EDITS)
def test_an_edited_copy_fails_its_check(name: str, tmp_path: Path) -> None:
    edit = EDITS[name]
    for file in FILES:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / file, tmp_path / file)
    target = tmp_path / edit.file
    text = target.read_text(encoding="utf-8")
    assert text.count(edit.old) == 1, f"the edit {name!r} no longer matches {edit.file} exactly once"
    target.write_text(text.replace(edit.old, edit.new), encoding="utf-8")

    problems = CHECKS[edit.check](load_deployment(tmp_path))

    assert any(edit.expect in problem for problem in problems), problems


# --- the reader itself -----------------------------------------------------------------------------


def test_reader_anchors_aliases_and_merges() -> None:
    text = (
        "x-base: &base\n"
        "  A: 1\n"
        '  B: "two"  # a comment\n'
        "  C:\n"
        "list: &items [a, 'b c', \"d#e\"]\n"
        "again: *items\n"
        "merged:\n"
        "  <<: *base\n"
        "  B: three\n"
        "nested:\n"
        "  - x\n"
        "  - 'it''s'\n"
        "flag: true\n"
        "empty: []\n"
    )
    assert load_yaml(text) == {
        "x-base": {"A": 1, "B": "two", "C": None},
        "list": ["a", "b c", "d#e"],
        "again": ["a", "b c", "d#e"],
        "merged": {"A": 1, "B": "three", "C": None},
        "nested": ["x", "it's"],
        "flag": True,
        "empty": [],
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: |\n  text\n", "block scalars"),
        ("a: {b: 1}\n", "flow mappings"),
        ("a: 1\na: 2\n", "duplicate key"),
        ("a: *nowhere\n", "unknown alias"),
        ("a:\n\t- b\n", "tab"),
        ("a: 1\n  b: 2\n", "unexpected indentation"),
        ("a:\n  - b: 1\n", "mappings inside sequences"),
        ('a: "open\n', "unterminated"),
        ("a: [b, [c]]\n", "nested flow"),
        ("a: b: c\n", "ambiguous"),
        ("---\na: 1\n", "documents"),
        ("a: &x 1\nb: &x 2\n", "defined twice"),
        ("<<: 1\n", "one alias"),
    ],
)
def test_reader_refuses_what_is_outside_the_subset(text: str, message: str) -> None:
    with pytest.raises(YamlSubsetError, match=message):
        load_yaml(text)

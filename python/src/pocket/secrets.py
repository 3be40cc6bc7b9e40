"""Reading secret values from AWS for a deployed stage (docs/runtime-contract.md).

The only AWS calls the runtime makes: one GetSecretValue of the pocket secret (or one paginated
GetParametersByPath for the ssm store), one call per user secret, and one GetSecretValue of the
RDS master-user secret. Names come from the environment; nothing is discovered.

Every AWS failure becomes one :class:`PocketRuntimeError` that names the secret and either the
IAM action the Lambda role lacks or the command that creates the missing value, because this
runs at cold start where a raw botocore traceback is all the user would otherwise see.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pocket.errors import PocketRuntimeError

logger = logging.getLogger("pocket")

CREATE_MANAGED_HINT = (
    "run `pocket deploy` (it creates missing managed values) or "
    "`pocket resource awscontainer secrets create-pocket-managed --stage {stage}`"
)

_ACCESS_DENIED = {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation"}
_NOT_FOUND = {"ResourceNotFoundException", "ParameterNotFound"}


class _Clients:
    """boto3 clients created on first use, one per (service, region), for one load.

    Clients come from ``boto3.client`` (the default session) so that ``AWS_ENDPOINT_URL`` and
    the usual credential chain apply, and so callers can hook the session's events.
    """

    def __init__(self, region: str | None) -> None:
        self.region = region
        self._cache: dict[tuple[str, str | None], Any] = {}

    def get(self, service: str, name: str | None = None) -> Any:
        import boto3

        region = _region_of_arn(name) or self.region
        key = (service, region)
        if key not in self._cache:
            self._cache[key] = boto3.client(service, region_name=region)
        return self._cache[key]


def _region_of_arn(name: str | None) -> str | None:
    # A secret given by ARN lives in the ARN's region, which may differ from POCKET_REGION;
    # GetSecretValue/GetParameter must be sent to that region.
    if name and name.startswith("arn:"):
        parts = name.split(":")
        if len(parts) > 3 and parts[3]:
            return parts[3]
    return None


def _describe_client_error(
    err: Exception, *, what: str, action: str, region: str | None, not_found_hint: str
) -> PocketRuntimeError:
    from botocore.exceptions import ClientError

    where = f" in region {region}" if region else ""
    if isinstance(err, ClientError):
        error = err.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", ""))
        said = f" (AWS: {code}: {message})" if message else f" (AWS: {code})"
        if "KMS" in code or (code in _ACCESS_DENIED and "kms" in message.lower()):
            return PocketRuntimeError(
                f"cannot decrypt {what}{where}: the Lambda role needs kms:Decrypt on the KMS key "
                f"that encrypts it{said}",
                code="secret-kms-denied",
            )
        if code in _ACCESS_DENIED:
            return PocketRuntimeError(
                f"access denied reading {what}{where}: the Lambda role needs {action} on it; "
                f"check [awscontainer.secrets] and redeploy so the policy lists it{said}",
                code="secret-access-denied",
            )
        if code in _NOT_FOUND:
            return PocketRuntimeError(
                f"{what} does not exist{where}: {not_found_hint}{said}",
                code="secret-not-found",
            )
        if code == "InvalidRequestException" and "delet" in message.lower():
            return PocketRuntimeError(
                f"{what} is scheduled for deletion{where}: restore it "
                f"(aws secretsmanager restore-secret) or run `pocket deploy`{said}",
                code="secret-pending-deletion",
            )
        return PocketRuntimeError(f"failed to read {what}{where} with {action}{said}", code="secret-read-failed")
    # BotoCoreError: no credentials, endpoint unreachable, no region...
    return PocketRuntimeError(f"failed to read {what}{where} with {action}: {err}", code="secret-read-failed")


def _aws_call(fn, *, what: str, action: str, region: str | None, not_found_hint: str):
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return fn()
    except (ClientError, BotoCoreError) as e:
        raise _describe_client_error(
            e, what=what, action=action, region=region, not_found_hint=not_found_hint
        ) from e


def parse_secrets_document(raw: str) -> dict[str, Any]:
    """Parse and shape-check ``POCKET_SECRETS``; a malformed document means a broken deploy."""

    def bad(why: str) -> PocketRuntimeError:
        return PocketRuntimeError(
            f"POCKET_SECRETS is malformed ({why}); redeploy with `pocket deploy`",
            code="secrets-document-malformed",
        )

    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise bad(f"not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise bad("not an object")
    if doc.get("store") not in ("sm", "ssm"):
        raise bad(f"store must be 'sm' or 'ssm', got {doc.get('store')!r}")
    for field in ("key", "stage", "project"):
        if not isinstance(doc.get(field), str) or not doc[field]:
            raise bad(f"{field} must be a non-empty string")
    managed = doc.setdefault("managed", {})
    user = doc.setdefault("user", {})
    if not isinstance(managed, dict) or not isinstance(user, dict):
        raise bad("managed and user must be objects")
    for name, spec in managed.items():
        ok = isinstance(spec, dict) and (
            isinstance(spec.get("env"), str)
            or (isinstance(spec.get("pem"), str) and isinstance(spec.get("pub"), str))
        )
        if not ok:
            raise bad(f"managed.{name} needs env, or pem and pub")
    if "sharedKey" in doc and (not isinstance(doc["sharedKey"], str) or not doc["sharedKey"]):
        raise bad("sharedKey must be a non-empty string")
    for name, spec in user.items():
        if not (isinstance(spec, dict) and isinstance(spec.get("name"), str)):
            raise bad(f"user.{name} needs a name")
        if spec.get("store", doc["store"]) not in ("sm", "ssm"):
            raise bad(f"user.{name}.store must be 'sm' or 'ssm'")
    return doc


def _pocket_store_label(doc: Mapping[str, Any]) -> str:
    if doc["store"] == "sm":
        return f"Secrets Manager secret {doc['key']!r}"
    return f"SSM parameters under /{doc['key']}/"


def _read_pocket_store_sm(doc: Mapping[str, Any], clients: _Clients) -> dict[str, Any]:
    key = doc["key"]
    label = _pocket_store_label(doc)
    client = clients.get("secretsmanager")
    response = _aws_call(
        lambda: client.get_secret_value(SecretId=key),
        what=f"pocket {label}",
        action="secretsmanager:GetSecretValue",
        region=clients.region,
        not_found_hint=CREATE_MANAGED_HINT.format(stage=doc["stage"]),
    )
    text = response.get("SecretString")
    if text is None:
        raise PocketRuntimeError(
            f"pocket {label} holds binary data; expected a JSON SecretString",
            code="pocket-store-malformed",
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PocketRuntimeError(f"pocket {label} is not JSON: {e}", code="pocket-store-malformed") from e
    # Layout {stage: {project: {NAME: value | {pem, pub}}}}; a missing branch is "nothing stored".
    branch: Any = data if isinstance(data, dict) else {}
    for level in (doc["stage"], doc["project"]):
        branch = branch.get(level, {}) if isinstance(branch, dict) else {}
    if not isinstance(branch, dict):
        raise PocketRuntimeError(
            f"pocket {label}: {doc['stage']}.{doc['project']} is not an object",
            code="pocket-store-malformed",
        )
    return branch


def _read_pocket_store_ssm(doc: Mapping[str, Any], clients: _Clients) -> dict[str, Any]:
    prefix = f"/{doc['key']}/"
    client = clients.get("ssm")

    def fetch() -> list[dict[str, Any]]:
        params: list[dict[str, Any]] = []
        paginator = client.get_paginator("get_parameters_by_path")
        for page in paginator.paginate(Path=prefix, Recursive=True, WithDecryption=True):
            params.extend(page.get("Parameters", []))
        return params

    params = _aws_call(
        fetch,
        what=f"pocket {_pocket_store_label(doc)}",
        action="ssm:GetParametersByPath",
        region=clients.region,
        not_found_hint=CREATE_MANAGED_HINT.format(stage=doc["stage"]),
    )
    plain: dict[str, Any] = {}
    pairs: dict[str, dict[str, str]] = {}
    for param in params:
        rest = param["Name"][len(prefix) :] if param["Name"].startswith(prefix) else None
        if not rest:
            continue
        parts = rest.split("/")
        if len(parts) == 1:
            plain[parts[0]] = param["Value"]
        elif len(parts) == 2:
            pairs.setdefault(parts[0], {})[parts[1]] = param["Value"]
        else:
            # /{key}/NAME/sub/deeper is not part of the layout; ignore rather than guess.
            logger.debug("pocket: ignoring SSM parameter %s (deeper than the layout)", param["Name"])
    return {**pairs, **plain}


def managed_values(doc: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, str]:
    """Map stored managed values to environment variables using the document's declarations.

    Iterates the declarations (not the store), so a value left behind by a removed declaration
    is only warned about; the original crashed every cold start on it
    (docs/decisions.md#r4-loading-order-and-leftovers).
    """
    label = _pocket_store_label(doc)
    values: dict[str, str] = {}
    missing: list[str] = []
    for name, spec in doc["managed"].items():
        if name not in stored:
            missing.append(name)
            continue
        value = stored[name]
        if "env" in spec:
            if not isinstance(value, str):
                raise PocketRuntimeError(
                    f"managed secret {name} in {label} is stored as an object; "
                    f"its type {spec.get('type')!r} needs a string value",
                    code="managed-secret-malformed",
                )
            values[spec["env"]] = value
        else:
            if not (
                isinstance(value, dict)
                and isinstance(value.get("pem"), str)
                and isinstance(value.get("pub"), str)
            ):
                raise PocketRuntimeError(
                    f"managed secret {name} in {label} must hold both pem and pub "
                    f"(type {spec.get('type')!r})",
                    code="managed-secret-malformed",
                )
            values[spec["pem"]] = value["pem"]
            values[spec["pub"]] = value["pub"]
    for name in stored:
        if name not in doc["managed"]:
            logger.warning(
                "pocket: %s holds %s, which [awscontainer.secrets.managed] no longer declares; "
                "skipped",
                label,
                name,
            )
    if missing:
        raise PocketRuntimeError(
            f"managed secret(s) {', '.join(missing)} have no value in {label} "
            f"(stage {doc['stage']}, project {doc['project']}): "
            + CREATE_MANAGED_HINT.format(stage=doc["stage"]),
            code="managed-secret-missing",
        )
    return values


def _read_user_secret(env_name: str, spec: Mapping[str, Any], default_store: str, clients: _Clients) -> str:
    name = spec["name"]
    store = spec.get("store") or default_store
    hint = (
        f"create it, or fix the name in [awscontainer.secrets.user] {env_name}"
    )
    if store == "sm":
        client = clients.get("secretsmanager", name)
        response = _aws_call(
            lambda: client.get_secret_value(SecretId=name),
            what=f"user secret {env_name} (Secrets Manager {name!r})",
            action="secretsmanager:GetSecretValue",
            region=_region_of_arn(name) or clients.region,
            not_found_hint=hint,
        )
        value = response.get("SecretString")
        if value is None:
            raise PocketRuntimeError(
                f"user secret {env_name} (Secrets Manager {name!r}) is binary; "
                "only string secrets can become environment variables",
                code="user-secret-binary",
            )
        return value
    client = clients.get("ssm", name)
    response = _aws_call(
        lambda: client.get_parameter(Name=name, WithDecryption=True),
        what=f"user secret {env_name} (SSM parameter {name!r})",
        action="ssm:GetParameter",
        region=_region_of_arn(name) or clients.region,
        not_found_hint=hint,
    )
    return response["Parameter"]["Value"]


def _managed_stores(doc: Mapping[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    """The stores the managed entries are in: the container's (``key``), and the shared one
    (``sharedKey``) for the entries marked ``shared``. A store nothing is declared in is not read.
    The shared store also holds other containers' values: only this container's are taken from
    it (the flag), with no warning about the others."""
    shared_key = doc.get("sharedKey")
    own = {n: m for n, m in doc["managed"].items() if not (shared_key and m.get("shared"))}
    shared = {n: m for n, m in doc["managed"].items() if shared_key and m.get("shared")}
    parts = [({**doc, "managed": own}, False)] if own else []
    if shared:
        parts.append(({**doc, "key": shared_key, "managed": shared}, True))
    return parts


def load_secret_values(
    doc: Mapping[str, Any], *, region: str | None, clients: _Clients | None = None
) -> dict[str, str]:
    """Managed values, then user values over them (the contract's order), as env vars."""
    clients = clients or _Clients(region)
    values: dict[str, str] = {}
    # Only read the pocket store when something is declared there: a stage with user secrets
    # only has no IAM permission on the pocket key
    # (docs/decisions.md#y1-pocket-store-read-only-when-declared).
    for part, declared_only in _managed_stores(doc):
        if part["store"] == "sm":
            stored = _read_pocket_store_sm(part, clients)
        else:
            stored = _read_pocket_store_ssm(part, clients)
        if declared_only:
            stored = {n: v for n, v in stored.items() if n in part["managed"]}
        values.update(managed_values(part, stored))
    for env_name, spec in doc["user"].items():
        values[env_name] = _read_user_secret(env_name, spec, doc["store"], clients)
    return values


def rds_database_url(environ: Mapping[str, str], *, region: str | None, clients: _Clients | None = None) -> str:
    """``DATABASE_URL`` from the Aurora master-user secret plus the endpoint the deploy passed.

    The AWS-managed secret holds only ``username`` and ``password`` (the original read host and
    port from it and failed); both are percent-encoded so any character survives URL parsing
    (docs/decisions.md#r5-the-aurora-database-url).
    """
    arn = environ["POCKET_RDS_SECRET_ARN"]
    clients = clients or _Clients(region)
    client = clients.get("secretsmanager", arn)
    what = f"RDS master-user secret {arn!r}"
    response = _aws_call(
        lambda: client.get_secret_value(SecretId=arn),
        what=what,
        action="secretsmanager:GetSecretValue",
        region=_region_of_arn(arn) or clients.region,
        not_found_hint="the Aurora cluster's managed secret is gone; check [rds] and run `pocket deploy`",
    )
    try:
        data = json.loads(response.get("SecretString") or "")
        username, password = data["username"], data["password"]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise PocketRuntimeError(
            f"{what} must be JSON with username and password",
            code="rds-secret-malformed",
        ) from e
    # An existing cluster's secret ([rds] managed = false) holds host, port and dbname; the deploy
    # leaves those variables empty then (docs/decisions.md#b7-an-existing-aurora-cluster).
    endpoint = environ.get("POCKET_RDS_ENDPOINT") or str(data.get("host") or "")
    port = environ.get("POCKET_RDS_PORT") or str(data.get("port") or "5432")
    dbname = environ.get("POCKET_RDS_DBNAME") or str(data.get("dbname") or "")
    if not endpoint or not dbname:
        raise PocketRuntimeError(
            "POCKET_RDS_SECRET_ARN is set but neither POCKET_RDS_ENDPOINT/POCKET_RDS_DBNAME nor the "
            "secret's host/dbname give the database; redeploy with `pocket deploy`",
            code="rds-environment-incomplete",
        )
    return (
        f"postgres://{quote(str(username), safe='')}:{quote(str(password), safe='')}"
        f"@{endpoint}:{port}/{dbname}"
    )


def pocket_region(environ: Mapping[str, str] | None = None) -> str | None:
    environ = os.environ if environ is None else environ
    return environ.get("POCKET_REGION") or None

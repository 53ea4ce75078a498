#!/usr/bin/env python3
"""Checks recorded Zitadel traffic against the models of Zitadel's official Python client
(`zitadel-client==4.1.9`, generated from Zitadel's OpenAPI, about v4.6-v4.12; RELEASED.md §6.2).

Usage: check_client.py RECORDING.jsonl   (run with a Python that has zitadel-client installed)

It checks what `@zitadel/proto@1.3.1` (the v4.0 set, check_proto.mjs) cannot: every message of
`zitadel.authorization.v2` (v4.6), every ListUsers request (its metadata filters are v4.1), and
the entries of the root `metadata` of CreateUser/UpdateUser (v4.13, newer than this client too:
checked as the client's `Metadata` model, the message they are). The other messages are left to
check_proto.mjs, which is authoritative for them: the OpenAPI generator of this client merged
same-named nested messages (e.g. CreateUserRequest.Human and UpdateUserRequest.Human are one
`UserServiceHuman` without `idpLinks`/`metadata`), so its models are lossy there.

Each message is walked against the RPC's request/response model:
each key must be a field of the model (by its JSON alias), recursively through nested models and
lists, and enum values must be members. pydantic's `from_dict` silently drops unknown keys, so the
keys are compared here instead. """

import enum
import importlib
import json
import re
import sys
import typing
import warnings

warnings.filterwarnings("ignore")

from pydantic import BaseModel  # noqa: E402

PREFIX = {
    "zitadel.user.v2.UserService": "user_service",
    "zitadel.authorization.v2.AuthorizationService": "authorization_service",
    "zitadel.authorization.v2beta.AuthorizationService": "beta_authorization_service",
    "zitadel.org.v2.OrganizationService": "organization_service",
    "zitadel.settings.v2.SettingsService": "settings_service",
    "zitadel.project.v2beta.ProjectService": "beta_project_service",
}


def snake(name: str) -> str:
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def model(module_name: str):
    module = importlib.import_module(f"zitadel_client.models.{module_name}")
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value.__module__ == module.__name__:
            return value
    raise LookupError(module_name)


def unwrap(annotation):
    """The model or enum inside Optional[...] / List[...] / Dict[...], and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return unwrap(args[0]) if len(args) == 1 else (None, False)
    if origin in (list, typing.List):
        inner, _ = unwrap(typing.get_args(annotation)[0])
        return inner, True
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    return annotation, False


def walk(cls, value, path, errors):
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object for {cls.__name__}, got {value!r}")
        return
    fields = {(f.alias or name): f for name, f in cls.model_fields.items()}
    for key, item in value.items():
        field = fields.get(key)
        if field is None:
            errors.append(f"{path}.{key}: unknown key in {cls.__name__}")
            continue
        inner, is_list = unwrap(field.annotation)
        items = item if is_list and isinstance(item, list) else [item]
        for i, element in enumerate(items):
            where = f"{path}.{key}" + (f"[{i}]" if is_list else "")
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                walk(inner, element, where, errors)
            elif isinstance(inner, type) and issubclass(inner, enum.Enum):
                if element not in [m.value for m in inner]:
                    errors.append(f"{where}: {element!r} is not a {inner.__name__}")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    checked, errors = 0, []
    metadata_model = model("user_service_metadata")
    with open(sys.argv[1], encoding="utf-8") as recording:
        for number, line in enumerate(recording, 1):
            if not line.strip():
                continue
            record = json.loads(line)
            service, method = record["method"].split("/", 1)
            prefix = PREFIX.get(service)
            if prefix is None:
                if record["status"] == 200:
                    errors.append(f"line {number}: {record['method']} succeeded but has no model")
                continue
            base = f"{prefix}_{snake(method)}"
            newer = service == "zitadel.authorization.v2.AuthorizationService"
            parts = []
            request = record["request"]
            if isinstance(request, dict):
                request = dict(request)
                root_metadata = request.pop("metadata", None) if method in ("CreateUser", "UpdateUser") else None
                for i, entry in enumerate(root_metadata or []):
                    parts.append((metadata_model, entry, f"request.metadata[{i}]"))
                if newer or method == "ListUsers":
                    parts.append((model(f"{base}_request"), request, "request"))
            if newer and record["status"] == 200:
                parts.append((model(f"{base}_response"), record["response"], "response"))
            for cls, value, what in parts:
                found = []
                walk(cls, value, what, found)
                checked += 1
                errors.extend(f"line {number}: {record['method']} {e}" for e in found)
    print(f"zitadel-client: {checked} messages checked key by key")
    for e in errors[:50]:
        print("  FAILED", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""What the OpenAPI schema says about error answers: every operation documents the JSON
errors it can give (400 with reasons, 401, 403, 404, 409, 429, 503), so a client generated
from the schema, or schemathesis, knows each status code it may meet. A drf-spectacular
postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""

from __future__ import annotations

ERROR = {
    "type": "object",
    "description": "An error: `detail` says what went wrong.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "The reasons, by field (or `non_field_errors`, or `detail`): each a list "
    "of messages.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
}
_WHEN = {
    "400": "Bad input: the reasons by field.",
    "401": "No credentials, or a wrong, expired or revoked token.",
    "403": "Authenticated, but not allowed to do this.",
    "404": "No such object, or not one you may see.",
    "405": "The method is not allowed here.",
    "409": "The object's state does not allow this (it says why).",
    "429": "Too many requests: see Retry-After.",
    "503": "The database is unavailable: try again shortly (see Retry-After).",
}
_WRITES = {"post", "put", "patch", "delete"}


def _content(schema_ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}}


def error_responses_add(result, generator, request, public):
    """Add the error answers to every operation that does not document them already."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _WRITES | {"get", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            # 404 too without a path parameter: /mirrorlist/?release=9 names no release.
            codes = ["400", "401", "403", "404", "405", "429", "503"]
            if method in _WRITES:
                codes.append("409")
            for code in codes:
                if code not in responses:
                    ref = "FieldErrors" if code == "400" else "Error"
                    responses[code] = {"description": _WHEN[code], "content": _content(ref)}
    return result

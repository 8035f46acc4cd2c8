"""The OpenAPI 3.1 document, generated from the operation registry and the pydantic schemas
(never written by hand): served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import Response
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from portal.api import bp
from portal.api.core import OPERATIONS, Operation, dump
from portal.api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed request (invalid JSON or Idempotency-Key)",
    401: "Missing, unknown or revoked token",
    403: "The token lacks the scope",
    404: "Not found",
    409: "Conflict with the current state",
    415: "The body is not JSON",
    422: "Invalid input; `fields` names each problem",
    429: "Rate limit exceeded",
}


def _strip_null_defaults(node: Any) -> None:
    """Optional-but-not-nullable fields have a ``None`` default in Python only: leave it out."""
    if isinstance(node, dict):
        if node.get("default", 0) is None and "anyOf" not in node and node.get("type") != "null":
            del node["default"]
        for value in node.values():
            _strip_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _strip_null_defaults(value)


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _success(op: Operation, names: dict[tuple[Any, str], Any]) -> dict[str, Any]:
    """The answer of a successful call: JSON, a document (``produces``) or nothing."""
    if op.produces is not None:
        return {
            "description": "OK",
            "content": {op.produces: {"schema": {"type": "string", "format": "binary"}}},
        }
    if op.response is not None:
        return {
            "description": "OK" if op.status == 200 else "Created",
            "content": {"application/json": {"schema": names[(op.response, "serialization")]}},
        }
    return {"description": "Done"}


def _operation(op: Operation, names: dict[tuple[Any, str], Any]) -> dict[str, Any]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2_147_483_647}
            if converter == "int"
            else {"type": "string"},
        }
        for converter, name in op.path_params
    ]
    if op.query is not None:
        params += _query_parameters(op.query)
    if op.method == "POST":
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "A repeat with the same key and body returns the first response",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    responses: dict[str, Any] = {str(op.status): _success(op, names)}
    error_ref = {"$ref": REF.format(model="ErrorBody")}
    codes = {401, 403, 429, *op.errors}
    if op.body is not None:
        codes |= {400, 415, 422}
    if op.method == "POST":
        codes |= {400, 409, 422}
    for code in sorted(codes):
        responses[str(code)] = {
            "description": ERROR_TEXT[code],
            "content": {"application/json": {"schema": error_ref}},
        }
    doc: dict[str, Any] = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": responses,
        "security": [{"bearerAuth": []}],
    }
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": names[(op.body, "validation")]}},
        }
    return doc


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    models: list[tuple[Any, Any]] = [(ErrorBody, "serialization")]
    for op in OPERATIONS.values():
        if op.body is not None:
            models.append((op.body, "validation"))
        if op.response is not None:
            models.append((op.response, "serialization"))
    models = list(dict.fromkeys(models))
    names, defs = models_json_schema(models, ref_template=REF)
    schemas = defs.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS.values():
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op, names)
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Portal integration API",
            "version": "1",
            "description": "Customer master data, invoices, the finance queue, payments, "
            "estimates and tickets. See docs/api.md for a worked example.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
    _strip_null_defaults(doc)
    return doc


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return Response(dump(document()), mimetype="application/json")

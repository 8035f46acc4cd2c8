"""The route registry and request pipeline of the API.

``@operation("POST", "/customers", body=CustomerCreate, response=CustomerOut, status=201)``
registers a Flask route *and* records the operation, so the OpenAPI document is generated from
the same schemas that validate the requests. Every operation runs the same pipeline: the token
guard (:func:`portal.api.guard`), query and body validation (415/400/422), ``Idempotency-Key``
on POST, the handler under ``acting_as(Actor("api", ...))``, one commit, and domain errors as
``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import wraps
from typing import Any

import pydantic
from flask import Response, g, request
from pydantic_core import to_jsonable_python
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from portal.api.body import MAX_JSON_BYTES, MAX_JSON_DEPTH, has_nul, json_depth
from portal.extensions import db
from portal.models.database import begin_write
from portal.services.billing.money import round_money
from portal.services.errors import DomainError
from portal.services.integration import idempotency
from portal.services.platform.audit import Actor, acting_as

READ, WRITE = "read", "write"


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    scope: str
    body: type[pydantic.BaseModel] | None = None
    response: Any = None
    status: int = 200
    query: type[pydantic.BaseModel] | None = None
    errors: tuple[int, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    #: A response that is not JSON (``application/pdf``): the handler returns a ``Response``.
    produces: str | None = None

    @property
    def path(self) -> str:
        """The OpenAPI path: ``/customers/<int:id>`` becomes ``/api/v1/customers/{id}``."""
        return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_params(self) -> list[tuple[str, str]]:
        return re.findall(r"<(?:(\w+):)?(\w+)>", self.rule)


OPERATIONS: dict[str, Operation] = {}


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}


def json_response(data: Any, status: int = 200) -> Response:
    body = b"" if data is None else dump(data)
    return Response(body, status=status, mimetype=None if data is None else "application/json")


def dump(data: Any) -> bytes:
    if isinstance(data, pydantic.BaseModel):
        return data.model_dump_json().encode()
    return json.dumps(to_jsonable_python(data), separators=(",", ":"), ensure_ascii=False).encode()


def error_response(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> Response:
    return json_response(
        {"error": {"code": code, "message": message, "fields": fields or {}}}, status
    )


_SERVICE_FIELD = re.compile(r"^(lines|custom_fields)-(\d+)(?:-(\w+))?$")


def _field_name(name: str) -> str:
    """A service's field name (``lines-0-quantity``) in the API's form (``lines.0.quantity``)."""
    match = _SERVICE_FIELD.match(name)
    if not match:
        return name
    return ".".join(part for part in match.groups() if part is not None)


#: Location parts pydantic adds for the members of a union (``groups.0.constrained-int``).
_UNION_TAG = re.compile(
    r"^(str|int|bool|float|none|date|datetime|constrained-\w+|function-.*|(list|dict|literal)\[.*\])$"
)


def _pydantic_fields(exc: pydantic.ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in error["loc"]]
        # Union members add their type name to the location: keep the field path only.
        loc = [p for p in loc if not _UNION_TAG.match(p)]
        fields.setdefault(".".join(loc) or "body", error["msg"])
    return fields


def domain_error(exc: DomainError) -> Response:
    fields = {_field_name(k): v for k, v in exc.fields.items()}
    return error_response(exc.status, exc.code, exc.message, fields)


def _parse_query(op: Operation) -> pydantic.BaseModel | None:
    args = request.args.to_dict()
    if has_nul(args):
        raise ApiError(422, "invalid", "Invalid query parameter.", {"query": "NUL character"})
    if op.query is None:
        return None
    try:
        return op.query.model_validate(args)
    except pydantic.ValidationError as exc:
        raise ApiError(422, "invalid", "Invalid query parameters.", _pydantic_fields(exc)) from None


def _parse_body(op: Operation) -> tuple[Any, pydantic.BaseModel | None]:
    """The decoded JSON body (for the idempotency hash) and the validated model."""
    if request.method not in ("POST", "PATCH", "PUT"):
        return None, None
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "The body is larger than 1 MiB.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "payload_too_large", "The body is larger than 1 MiB.")
    if not request.is_json:
        if raw or op.body is not None:
            raise ApiError(415, "unsupported_media_type", "Send a JSON body (application/json).")
        return None, None
    if not raw and op.body is None:
        return None, None
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise ApiError(
            422, "invalid", "The body is nested too deeply.", {"body": "nested too deeply"}
        )
    try:
        decoded = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The body is not valid JSON.") from None
    if has_nul(decoded):
        raise ApiError(422, "invalid", "Text must not contain NUL characters.", {"body": "NUL"})
    if op.body is None:
        if decoded not in ({}, None):
            raise ApiError(422, "invalid", "This request takes no body.", {"body": "not empty"})
        return decoded, None
    try:
        model = op.body.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        raise ApiError(
            422, "invalid", "Please correct the marked fields.", _pydantic_fields(exc)
        ) from None
    return decoded, model


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _run(op: Operation, handler: Callable[..., Any], path_args: dict[str, Any]) -> Response:
    token = g.api_token
    record_id: int | None = None
    try:
        query = _parse_query(op)
        decoded, body = _parse_body(op)
        key = request.headers.get("Idempotency-Key")
        if request.method == "POST" and key is not None:
            if not key.strip() or len(key) > idempotency.MAX_KEY_LENGTH:
                raise ApiError(400, "invalid_idempotency_key", "Give a key of 1-255 characters.")
            digest = idempotency.request_hash(request.method, request.path, decoded)
            started = _start_idempotent(token.id, key, digest)
            if isinstance(started, idempotency.StoredResponse):
                response = Response(
                    started.body,
                    status=started.status_code,
                    mimetype="application/json" if started.body else None,
                )
                response.headers["Idempotent-Replayed"] = "true"
                return response
            record_id = started
        kwargs = dict(path_args)
        if op.query is not None:
            kwargs["query"] = query
        if op.body is not None:
            kwargs["body"] = body
        with acting_as(Actor("api", token.id, token.name)):
            result = handler(**kwargs)
        if isinstance(result, Response):
            response = result
        else:
            data, status = result if isinstance(result, tuple) else (result, op.status)
            response = json_response(data, status)
    except ApiError as exc:
        db.session.rollback()
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
    except DomainError as exc:
        db.session.rollback()
        response = domain_error(exc)
    except IntegrityError:
        db.session.rollback()
        response = error_response(409, "conflict", "The change conflicts with another one.")
    except Exception:
        _forget(record_id)
        raise
    try:
        if record_id is not None:
            if response.status_code >= 400:
                begin_write()
            idempotency.finish(record_id, response.status_code, response.get_data())
        if request.method != "GET":
            db.session.commit()
    except Exception:
        _forget(record_id)
        raise
    return response


def _forget(record_id: int | None) -> None:
    """After a server error: drop the running key so that the client may retry."""
    db.session.rollback()
    if record_id is not None:
        begin_write()
        idempotency.forget(record_id)
        db.session.commit()


def _start_idempotent(token_id: int, key: str, digest: str) -> idempotency.StoredResponse | int:
    """The stored response of a repeat, or the id of the newly recorded key - committed at once
    (then a fresh write transaction is begun for the work) so a concurrent repeat sees it."""
    stored = idempotency.lookup(token_id, key, digest)
    if stored is not None:
        return stored
    try:
        record_id = idempotency.record(token_id, key, digest).id
        db.session.commit()
    except IntegrityError:
        # A concurrent request with the same key recorded it first.
        db.session.rollback()
        stored = idempotency.lookup(token_id, key, digest)
        if stored is None:
            raise idempotency.in_use() from None
        return stored
    begin_write()
    return record_id


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    tag: str,
    body: type[pydantic.BaseModel] | None = None,
    response: Any = None,
    status: int | None = None,
    query: type[pydantic.BaseModel] | None = None,
    errors: tuple[int, ...] = (),
    description: str = "",
    scope: str | None = None,
    produces: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers an API route and records it for the OpenAPI document. ``scope`` replaces the
    default (``read`` for GET, ``write`` for the rest), e.g. ``invoices`` for documents."""
    from portal.api import bp

    def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
        endpoint = handler.__name__
        op = Operation(
            method=method,
            rule=rule,
            endpoint=f"api.{endpoint}",
            summary=summary,
            tag=tag,
            scope=scope or (READ if method == "GET" else WRITE),
            body=body,
            response=response,
            status=status or (201 if method == "POST" and response is not None else 200),
            query=query,
            errors=errors,
            description=description or (handler.__doc__ or "").strip(),
            produces=produces,
        )
        if method == "DELETE":
            op.status = 204
        OPERATIONS[op.endpoint] = op

        @wraps(handler)
        def view(**path_args: Any) -> Response:
            return _run(op, handler, path_args)

        bp.add_url_rule(rule, endpoint, view, methods=[method])
        return handler

    return decorator


# -- helpers for the resources ----------------------------------------------------------------


def get_or_404(model: type[Any], pk: int, **options: Any) -> Any:
    obj = db.session.get(model, pk, **options) if 0 < pk <= 2_147_483_647 else None
    if obj is None:
        raise ApiError(404, "not_found", f"{model.__name__} {pk} was not found.")
    return obj


def paginate(
    stmt: Select[Any],
    query: Any,
    model: Any,
    serialize: Callable[[Any], Any],
    order: tuple[Any, ...] = (),
) -> dict[str, Any]:
    """One page of ``stmt`` as ``{"data", "page", "per_page", "total"}``. ``updated_since``
    filters on ``updated_at`` and orders by it (incremental sync) unless ``order`` is given;
    the default order is by id."""
    since: datetime | None = query.updated_since
    if since is not None:
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        stmt = stmt.where(model.updated_at >= since)
    if not order:
        order = (model.updated_at, model.id) if since is not None else (model.id,)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.order_by(*order).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).unique()
    return {
        "data": [serialize(row) for row in rows],
        "page": query.page,
        "per_page": query.per_page,
        "total": total or 0,
    }


def money(amount: Decimal | None, places: int) -> str:
    return str(round_money(amount or Decimal(0), places))


def plain(value: Decimal | None) -> str:
    """A quantity without needless zeros: ``2.0000`` -> ``"2"``, ``1.5000`` -> ``"1.5"``."""
    return format((value or Decimal(0)).normalize(), "f")


def percent(value: Decimal | None) -> str:
    """A percent with at least two decimals: ``20.0000`` -> ``"20.00"``, ``5.125`` stays."""
    number = (value or Decimal(0)).normalize()
    if int(number.as_tuple().exponent) >= -2:
        return str(number.quantize(Decimal("0.01")))
    return format(number, "f")

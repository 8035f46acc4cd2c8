"""``flask api-token create/list/revoke``."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ApiToken
from portal.services.integration import api_tokens


def test_create_prints_the_token_once_on_the_last_line(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "--name", "ERP"])
    assert result.exit_code == 0, result.output
    raw = result.output.strip().splitlines()[-1]
    assert raw.startswith("pt_") and " " not in raw
    token = db.session.scalar(db.select(ApiToken))
    assert token.name == "ERP" and token.scopes == "read write"
    assert token.token_hash == api_tokens.hash_token(raw)
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200


def test_create_read_only_and_errors(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["api-token", "create", "--name", "R", "--scopes", "read"])
    assert result.exit_code == 0
    assert db.session.scalar(db.select(ApiToken)).scopes == "read"
    result = runner.invoke(args=["api-token", "create", "--name", "X", "--scopes", "admin"])
    assert result.exit_code != 0 and "scopes" in result.output
    result = runner.invoke(args=["api-token", "create", "--name", " "])
    assert result.exit_code != 0


def test_list_and_revoke(app, client):
    runner = app.test_cli_runner()
    raw = runner.invoke(args=["api-token", "create", "--name", "ERP"]).output.split()[-1]
    token = db.session.scalar(db.select(ApiToken))
    assert "ERP" in runner.invoke(args=["api-token", "list"]).output
    result = runner.invoke(args=["api-token", "revoke", str(token.id)])
    assert result.exit_code == 0
    assert "revoked" in runner.invoke(args=["api-token", "list"]).output
    assert (
        client.get("/api/v1/customers", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )
    assert runner.invoke(args=["api-token", "revoke", str(token.id)]).exit_code != 0
    assert runner.invoke(args=["api-token", "revoke", "999"]).exit_code != 0
